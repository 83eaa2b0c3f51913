/** The manifest as written (after schema validation), before normalization. */
export type RawLimitScalar = number | 'inf';
export type RawLimit = RawLimitScalar | { soft?: RawLimitScalar; hard?: RawLimitScalar; min?: RawLimitScalar };
export type RawQuantity = number | string;

export interface RawInterface {
  name?: string;
  device?: string;
  nodev?: boolean;
  address: string;
  label?: string;
  // ---- issue 10 (iface) ----
  broadcast?: string;
  scope?: string;
  peer?: string;
  mac?: string;
  tun?: boolean;
  tap?: boolean;
  nocsum?: boolean;
  shared?: boolean;
  vlandev?: boolean;
  novlandev?: boolean;
  disabled?: boolean;
  // ---- end issue 10 (iface) ----
}

export interface RawFstabEntry {
  device: string;
  mountpoint: string;
  type: string;
  options?: string;
  dump?: number;
  pass?: number;
}

export interface RawManifest {
  apiVersion: 'vsgitops.io/v1';
  kind: 'VServer';
  metadata: { name: string; labels?: Record<string, string> };
  spec: {
    context: number;
    hosts: { names?: string[]; matchLabels?: Record<string, string> };
    uts?: { nodename?: string; domainname?: string; sysname?: string; release?: string; version?: string; machine?: string };
    state?: 'running' | 'stopped';
    startOnBoot?: boolean;
    build: {
      method: 'skeleton' | 'debootstrap' | 'template' | 'clone' | 'rsync';
      distribution?: string;
      mirror?: string;
      templates?: string[];
      source?: string;
      extraArgs?: string[];
    };
    init?: {
      style?: 'sysv' | 'plain' | 'minit' | 'gentoo' | 'openrc' | 'arch';
      // ---- issue 10 (initx) ----
      runlevel?: string | number;
      runlevelStart?: string | number;
      runlevelStop?: string | number;
      cmd?: { start?: string[]; stop?: string[]; prepare?: string[]; startSync?: string[]; stopSync?: string[] };
      killSequence?: (string | number)[];
      environment?: string[];
      // ---- end issue 10 (initx) ----
    };
    interfaces?: RawInterface[];
    network?: { broadcast?: string; loopback?: string; vlandev?: boolean; novlandev?: boolean; scope?: string }; // issue 10 (iface)
    flags?: string[];
    capabilities?: { system?: string[]; context?: string[] };
    limits?: Record<string, RawLimit>;
    memory?: { limit?: RawQuantity };
    cpu?: { shares?: number; quotaUs?: number; periodUs?: number; cpus?: string; mems?: string };
    disk?: { directory?: string; space: RawQuantity; inodes: number; reserved?: number };
    fstab?: RawFstabEntry[];
    // ---- issue 10 (adopt) ----
    bootMarks?: string[];
    nflags?: string[];
    ncapabilities?: string[];
    nice?: number;
    ionice?: { class?: string; priority?: number };
    personality?: { type: string; flags?: string[] };
    files?: Record<string, string>;
    // ---- end issue 10 (adopt) ----
    // ---- issue 10 (initx) ----
    depends?: string[];
    sysctl?: { name?: string; setting: string; value: string | number }[];
    cgroupFiles?: Record<string, string | number>;
    fstabRemote?: RawFstabEntry[];
    scripts?: Record<string, string | { content: string; executable?: boolean }>;
    // ---- end issue 10 (initx) ----
    policy?: { deletion?: 'retain' | 'delete'; drift?: 'enforce' | 'warn' };
    // safety (issue 14): snapshot and rollback of risky changes
    healthCheck?: { command?: string[]; timeout?: string | number; retries?: number };
    snapshot?: { paths?: string[]; keep?: number };
  };
}
