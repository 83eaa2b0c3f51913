/** `vsgitops show plan.json`: re-renders a saved plan (`plan --out`) as text, JSON or Markdown. */
import { Option, type Command } from 'commander';
import { planExitCode, renderPlanJson, renderPlanMarkdown, renderPlanText, useColor } from '../reconciler/render.js';
import { EXIT } from './exit.js';
import { addHelpFooter } from './help.js';
import { readSavedPlan } from './plan-command.js';
import type { RegisterCommand } from './registry.js';

export const registerShow: RegisterCommand = (program: Command, setExit) => {
  const cmd = program
    .command('show')
    .description('render a saved plan (written by plan --out) for people, programs or a pull request')
    .argument('<plan-file>', 'the saved plan (JSON)')
    .addOption(new Option('--output <format>', 'text for people, json for scripts, markdown for a pull request comment').choices(['text', 'json', 'markdown']).default('text'))
    .option('--no-color', 'no colour in text output (also NO_COLOR, or when stdout is not a terminal)');
  addHelpFooter(cmd, ['vsgitops plan --repo . --path hosts --out plan.json && vsgitops show plan.json', 'vsgitops show plan.json --output markdown > comment.md'], [
    [EXIT.OK, 'the plan has no changes'],
    [EXIT.ERROR, 'the file is not a saved plan'],
    [EXIT.CHANGES, 'the plan has changes'],
    [EXIT.DESTRUCTIVE, 'the plan has destructive changes'],
  ]).action(async (file: string, o: { output: 'text' | 'json' | 'markdown'; color?: boolean }) => {
    const plan = await readSavedPlan(file);
    const text =
      o.output === 'json' ? renderPlanJson(plan) : o.output === 'markdown' ? renderPlanMarkdown(plan) : renderPlanText(plan, { color: useColor(o.color, process.stdout, process.env) });
    process.stdout.write(text);
    setExit(planExitCode(plan));
  });
};
