export type { KernelState } from './kernel-state.js';
export type { Touched } from './store.js';
