import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** CPU milliseconds, by the kind of process that spent them. */
export type CpuSample = Record<ProcessKind, number>;
type ProcessKind = 'service' | 'postgres' | 'rabbitmq' | 'other';

/** Every process's CPU so far, by pid; the start time tells a reused pid from the process that had it. */
export type ProcessSnapshot = Map<number, { kind: ProcessKind; startTicks: string; ms: number }>;

const KINDS: readonly ProcessKind[] = ['service', 'postgres', 'rabbitmq', 'other'];
// Linux reports CPU times in clock ticks; 100 per second on every kernel these machines run.
const MS_PER_TICK = 10;

/**
 * Reads every process's user + system time from /proc: this process (the service and the benchmark
 * driving it), PostgreSQL's backends, RabbitMQ's Erlang VM, and everything else on the machine.
 * Null where /proc is not there to read.
 */
export function sampleCpu(): ProcessSnapshot | null {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return null;
  }
  const snapshot: ProcessSnapshot = new Map();
  for (const pid of pids) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    // "pid (command) state ..." where the command may hold spaces and parentheses.
    const command = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    snapshot.set(Number(pid), {
      kind: kindOf(Number(pid), command),
      startTicks: fields[19]!,
      ms: (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK,
    });
  }
  return snapshot;
}

function kindOf(pid: number, command: string): ProcessKind {
  if (pid === process.pid) return 'service';
  if (command.startsWith('postgres')) return 'postgres';
  if (command.startsWith('beam')) return 'rabbitmq';
  return 'other';
}

/**
 * CPU used between two snapshots, by kind; null where either could not be read. A process started
 * meanwhile counts whole; one that ended meanwhile (a pool closing an idle connection) took its time
 * with it and counts nothing, rather than its whole past as a negative.
 */
export function cpuBetween(before: ProcessSnapshot | null, after: ProcessSnapshot | null): CpuSample | null {
  if (!before || !after) return null;
  const used: CpuSample = { service: 0, postgres: 0, rabbitmq: 0, other: 0 };
  for (const [pid, now] of after) {
    const then = before.get(pid);
    used[now.kind] += then && then.startTicks === now.startTicks ? now.ms - then.ms : now.ms;
  }
  return used;
}

/** Every kind's CPU together, in milliseconds. */
export const totalCpu = (used: CpuSample): number => KINDS.reduce((sum, kind) => sum + used[kind], 0);

/** Several spans' CPU added up; null if any could not be read. */
export function sumCpu(spans: readonly (CpuSample | null)[]): CpuSample | null {
  if (spans.some((span) => span === null)) return null;
  return Object.fromEntries(KINDS.map((kind) => [kind, spans.reduce((total, span) => total + span![kind], 0)])) as CpuSample;
}

/**
 * One line on where the CPU went per unit of work, and the rate the machine's cores could reach at
 * that cost if nothing else ran: the ceiling the measured rate sits under.
 */
export function describeCpu(used: CpuSample | null, units: number, unit: string): string {
  if (!used || units === 0) return 'CPU by process: /proc not readable here';
  const perUnit = (kind: ProcessKind) => (used[kind] / units) * 1000;
  const total = (totalCpu(used) / units) * 1000;
  const cores = availableParallelism();
  const parts = KINDS.map((kind) => `${kind} ${Math.round(perUnit(kind))} us`).join(', ');
  const ceiling = total > 0 ? Math.round((cores * 1_000_000) / total) : Infinity;
  return `CPU per ${unit}: ${parts}; ${Math.round(total)} us in all, so at most ${ceiling}/s on ${cores} cores`;
}
