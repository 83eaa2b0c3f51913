/**
 * `vsgitops completion bash|zsh`: a completion script built from the command tree itself, so it
 * always knows every command and option of this build. zsh uses it through bashcompinit.
 */
import type { Command } from 'commander';
import { VsError } from '../errors.js';
import { EXIT } from './exit.js';
import { addHelpFooter } from './help.js';
import type { RegisterCommand } from './registry.js';

interface Entry {
  path: string;
  words: string[];
}

function entries(cmd: Command, prefix: string[] = []): Entry[] {
  const out: Entry[] = [];
  for (const sub of cmd.commands) {
    const path = [...prefix, sub.name()];
    const words = [
      ...sub.commands.map((c) => c.name()),
      ...sub.options.filter((o) => !(o as unknown as { hidden: boolean }).hidden).flatMap((o) => [o.short, o.long].filter((x): x is string => Boolean(x))),
      '--help',
    ];
    out.push({ path: path.join(' '), words }, ...entries(sub, path));
  }
  return out;
}

export function bashCompletion(program: Command): string {
  const top = program.commands.map((c) => c.name());
  const cases = entries(program)
    .map((e) => `    "${e.path}") words="${e.words.join(' ')}" ;;`)
    .join('\n');
  return `# bash completion for vsgitops (vsgitops completion bash)
_vsgitops() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" path="" w i
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    [[ $w == -* ]] && continue
    case "\${path:+$path }$w" in
      ${entries(program).map((e) => `"${e.path}"`).join('|')}) path="\${path:+$path }$w" ;;
    esac
  done
  case "$prev" in
    --output) COMPREPLY=($(compgen -W "text json" -- "$cur")); return ;;
    --host) COMPREPLY=($(compgen -W "local sim:" -- "$cur")); return ;;
    --ci) COMPREPLY=($(compgen -W "github gitlab none" -- "$cur")); return ;;
    -c|--config|--out|--plan|--state-dir|--repo|--path) COMPREPLY=($(compgen -f -- "$cur")); return ;;
  esac
  local words
  case "$path" in
    schema) [[ $cur != -* ]] && { COMPREPLY=($(compgen -W "manifest fleet ignore agent-config output/" -- "$cur")); return; } ;;
  esac
  case "$path" in
    "") words="${[...top, '--help', '--version'].join(' ')}" ;;
${cases}
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
  [[ -z $words ]] && COMPREPLY=($(compgen -f -- "$cur"))
}
complete -o default -F _vsgitops vsgitops
`;
}

export function zshCompletion(program: Command): string {
  return `#compdef vsgitops
# zsh completion for vsgitops (vsgitops completion zsh), through zsh's bash completion support
autoload -U +X bashcompinit && bashcompinit
${bashCompletion(program)}`;
}

export const registerCompletion: RegisterCommand = (program) => {
  const cmd = program
    .command('completion')
    .description('print a shell completion script (bash or zsh)')
    .argument('<shell>', 'bash or zsh');
  addHelpFooter(
    cmd,
    ['source <(vsgitops completion bash)', 'vsgitops completion bash > /etc/bash_completion.d/vsgitops', 'vsgitops completion zsh > "${fpath[1]}/_vsgitops"'],
    [[EXIT.OK, 'the script was printed']],
  ).action((shell: string) => {
    if (shell === 'bash') process.stdout.write(bashCompletion(program));
    else if (shell === 'zsh') process.stdout.write(zshCompletion(program));
    else throw new VsError('USAGE', `completion: unknown shell "${shell}" (bash or zsh)`);
  });
};
