/**
 * The lock that keeps two processes from opening one PGlite data directory.
 *
 * PGlite takes no lock of its own; two processes writing one directory corrupt it. The process
 * that opens the directory (the owner) writes `cpt.lock` with its pid and, once listening, the
 * socket through which other processes reach the database. Others connect there with `pg`.
 * A lock whose pid is dead is taken over.
 * @module
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const LOCK_FILE = 'cpt.lock';

export interface LockInfo {
  pid: number;
  role: 'server' | 'cli';
  command: string;
  startedAt: string;
  /** Where other processes connect: a Unix socket directory+port for `pg`, or TCP. */
  socket: { path: string } | { host: string; port: number } | null;
}

export class DataDirBusyError extends Error {
  override name = 'DataDirBusyError';
}

/** @returns whether a process with this pid exists (EPERM still means it exists). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function readLock(dataDir: string): LockInfo | null {
  try {
    return JSON.parse(readFileSync(join(dataDir, LOCK_FILE), 'utf8')) as LockInfo;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    // A lock being rewritten can be read half-written: report it as present but unknown.
    return { pid: -1, role: 'cli', command: '?', startedAt: '', socket: null };
  }
}

/** The owner's handle on the lock. */
export interface HeldLock {
  info: LockInfo;
  /** Records where other processes can connect (atomic rewrite). */
  publishSocket(socket: LockInfo['socket']): void;
  release(): void;
}

/**
 * Tries once to become the owner of `dataDir`.
 * @returns the held lock, or the current owner's lock info when a live process holds it.
 */
export function tryAcquireLock(dataDir: string, role: LockInfo['role'], command: string): HeldLock | LockInfo {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, LOCK_FILE);
  const info: LockInfo = { pid: process.pid, role, command, startedAt: new Date().toISOString(), socket: null };
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      writeFileSync(path, JSON.stringify(info), { flag: 'wx' });
      return holdLock(path, info);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const current = readLock(dataDir);
    if (!current) continue; // released meanwhile
    if (current.pid === -1) return current; // being rewritten: treat as busy, caller retries
    if (pidAlive(current.pid) && current.pid !== process.pid) return current;
    // Stale: its process is gone. Renaming is atomic, so of two processes taking over at once
    // only one moves the stale file; the other finds it gone and retries the exclusive create.
    try {
      renameSync(path, `${path}.stale-${current.pid}-${process.pid}`);
      rmSync(`${path}.stale-${current.pid}-${process.pid}`, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  throw new DataDirBusyError(`could not take the lock ${path}`);
}

function holdLock(path: string, info: LockInfo): HeldLock {
  let released = false;
  const onExit = () => release();
  process.once('exit', onExit);
  function release() {
    if (released) return;
    released = true;
    process.removeListener('exit', onExit);
    // Only remove the file if it is still ours.
    try {
      const current = JSON.parse(readFileSync(path, 'utf8')) as LockInfo;
      if (current.pid === info.pid) rmSync(path, { force: true });
    } catch {
      /* already gone */
    }
  }
  return {
    info,
    publishSocket(socket) {
      info.socket = socket;
      const tmp = `${path}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(info));
      renameSync(tmp, path);
    },
    release,
  };
}

export function isHeldLock(value: HeldLock | LockInfo): value is HeldLock {
  return 'release' in value;
}
