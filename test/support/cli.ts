/**
 * Runs the real `cpt` command in a child process, as a user would.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

export const CPT = join(process.cwd(), 'bin', 'cpt.mjs');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Environment for a test run: no inherited database settings, fast politeness on loopback, and no
 * scheduled jobs (a scheduled scrape would reach the live sites); a test that needs them sets
 * `CPT_SCHEDULER=1` with its own `CPT_SCHEDULES`.
 */
export function testEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('CPT_') || key === 'DATABASE_URL' || key === 'DATA_DIR' || key === 'PORT') delete env[key];
  return { ...env, CPT_RATE_LIMITS: '{"*":200}', CPT_HTTP_BACKOFF_MS: '20', CPT_HTTP_RETRIES: '1', LOG_LEVEL: 'warn', CPT_SCHEDULER: '0', ...extra };
}

export function spawnCli(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, [CPT, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
}

export function runCli(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 90_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawnCli(args, env);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`cpt ${args.join(' ')} did not finish within ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

export interface RunningServer {
  url: string;
  child: ChildProcess;
  output: () => string;
  stop(): Promise<number | null>;
}

/** Starts `cpt serve` on an ephemeral port and waits until it answers. */
export function startServer(env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const child = spawnCli(['serve'], { ...env, PORT: '0', HOST: '127.0.0.1' });
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`cpt serve did not start within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (d: Buffer) => {
      output += d;
      const m = /— (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve({
          url: m[1]!,
          child,
          output: () => output,
          stop: () =>
            new Promise((done) => {
              if (child.exitCode !== null) return done(child.exitCode);
              child.once('exit', (code) => done(code));
              child.kill('SIGTERM');
            }),
        });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`cpt serve exited with ${code}:\n${output}`));
    });
  });
}
