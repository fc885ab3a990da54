import type { RunMode } from '../config.js';

/** One thing /healthz checks: the database answers, migrations are applied, the gateway is up. */
export interface HealthCheck {
  readonly name: string;
  check(): Promise<{ ok: boolean; detail?: string }>;
}

export type Phase = 'starting' | 'ready' | 'stopping';

export interface HealthReport {
  status: 'ok' | Phase | 'failing';
  /** `playground` when the bot runs on the built-in Discord emulator. */
  mode: RunMode;
  checks: Record<string, { ok: boolean; detail?: string }>;
}

/** The process's health: its phase plus the checks registered as components start. */
export class Health {
  private phase: Phase = 'starting';
  private readonly checks: HealthCheck[] = [];

  constructor(private readonly mode: RunMode = 'discord') {}

  add(check: HealthCheck): void {
    this.checks.push(check);
  }

  setPhase(phase: Phase): void {
    this.phase = phase;
  }

  async report(): Promise<HealthReport> {
    const results = await Promise.all(
      this.checks.map(async (check) => {
        try {
          return [check.name, await check.check()] as const;
        } catch (error) {
          return [check.name, { ok: false, detail: (error as Error).message }] as const;
        }
      }),
    );
    const checks = Object.fromEntries(results);
    const allOk = results.every(([, result]) => result.ok);
    const status = this.phase !== 'ready' ? this.phase : allOk ? 'ok' : 'failing';
    return { status, mode: this.mode, checks };
  }
}
