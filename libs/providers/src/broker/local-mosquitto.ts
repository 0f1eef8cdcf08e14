import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { SERVICE_ACLS, SERVICE_ROLE } from './instrument-topics';

/*
 * Runs Labwire's broker configuration (docker/mosquitto/mosquitto.conf) on this machine, for
 * `npm start` in development and for the tests: same plugin, same rules, only the listener, the plugin
 * path and the data directory differ. Never used in production, where the broker is deployed on its own.
 */

/** The project's broker configuration, the one docker compose runs (found from the sources or from dist/). */
export function projectMosquittoConf(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const candidate = join(dir, 'docker/mosquitto/mosquitto.conf');
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`docker/mosquitto/mosquitto.conf was not found above ${__dirname}`);
}

const PLUGIN_CANDIDATES = [
  '/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so',
  '/usr/lib/aarch64-linux-gnu/mosquitto_dynamic_security.so',
  '/usr/lib/mosquitto_dynamic_security.so',
  '/usr/local/lib/mosquitto_dynamic_security.so',
  '/opt/homebrew/lib/mosquitto_dynamic_security.so',
  '/usr/local/opt/mosquitto/lib/mosquitto_dynamic_security.so',
];

export const DYNSEC_FILE = 'dynamic-security.json';
/** In development, the Labwire account's generated password lives here (see devBrokerPassword). */
export const DEV_PASSWORD_FILE = 'labwire-password';

export function findDynsecPlugin(): string | undefined {
  return PLUGIN_CANDIDATES.find((p) => existsSync(p));
}

export function findMosquitto(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/usr/local/sbin'])) {
    const candidate = join(dir, 'mosquitto');
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

export interface LocalBrokerOptions {
  port: number;
  dataDir: string;
  username: string;
  password: string;
  /** run in the background, logging to <dataDir>/mosquitto.log (npm start); else a child process */
  daemon?: boolean;
  configTemplate?: string;
}

/** The project's configuration with the host-specific lines rewritten. */
export function renderLocalConfig(template: string, opts: { port: number; dataDir: string; plugin: string }): string {
  // A template that lost one of these lines would give a broker on the wrong port or without the plugin.
  for (const [what, pattern] of [
    ['listener 1883', /^listener 1883$/m],
    ['plugin …', /^plugin .*$/m],
    ['/mosquitto/data/', /\/mosquitto\/data\//],
  ] as const) {
    if (!pattern.test(template))
      throw new Error(`the broker configuration has no "${what}" line to adapt for this host`);
  }
  let text = template
    .replace(/^listener 1883$/m, `listener ${opts.port} 127.0.0.1`)
    .replace(/^plugin .*$/m, `plugin ${opts.plugin}`)
    .replace(/\/mosquitto\/data\//g, `${opts.dataDir}/`);
  // Run as root (containers, CI), Mosquitto would switch to the `mosquitto` user, who cannot write here.
  if (process.getuid?.() === 0) text += '\nuser root\n';
  return text;
}

/**
 * The plugin's JSON as `mosquitto_ctrl dynsec init <file> <username> <password>` writes it: the Labwire
 * account in the plugin's `admin` role (manage clients and roles, read every topic), plus the
 * labwire-service role (publish under labwire/) that the api would otherwise add at its first start;
 * nothing else allowed by default, anonymous clients refused by the configuration. The password is stored as the
 * plugin stores it: salted PBKDF2-SHA512.
 */
export function dynsecConfig(username: string, password: string, iterations = 1000): Record<string, unknown> {
  const salt = randomBytes(12);
  const hash = pbkdf2Sync(password, salt, iterations, 64, 'sha512');
  const acl = (acltype: string, topic: string) => ({ acltype, topic, allow: true });
  return {
    clients: [
      {
        username,
        textname: 'Labwire',
        password: hash.toString('base64'),
        salt: salt.toString('base64'),
        iterations,
        roles: [{ rolename: 'admin' }, { rolename: SERVICE_ROLE }],
      },
    ],
    roles: [
      { rolename: SERVICE_ROLE, textname: 'Labwire service topics', acls: SERVICE_ACLS },
      {
        rolename: 'admin',
        acls: [
          acl('publishClientSend', '$CONTROL/dynamic-security/#'),
          acl('publishClientReceive', '$CONTROL/dynamic-security/#'),
          acl('subscribePattern', '$CONTROL/dynamic-security/#'),
          acl('publishClientReceive', '$SYS/#'),
          acl('subscribePattern', '$SYS/#'),
          acl('publishClientReceive', '#'),
          acl('subscribePattern', '#'),
          acl('unsubscribePattern', '#'),
        ],
      },
    ],
    defaultACLAccess: { publishClientSend: false, publishClientReceive: true, subscribe: false, unsubscribe: true },
  };
}

/**
 * Development only: MQTT_PASSWORD is "set at first start". The first start generates it and keeps it
 * in <dataDir>/labwire-password (mode 600) next to the broker's data, so later starts reuse it.
 */
export function devBrokerPassword(dataDir: string): { password: string; created: boolean } {
  const file = join(dataDir, DEV_PASSWORD_FILE);
  if (existsSync(file)) return { password: readFileSync(file, 'utf8').trim(), created: false };
  mkdirSync(dataDir, { recursive: true });
  const password = randomBytes(24).toString('base64url');
  writeFileSync(file, password + '\n', { mode: 0o600 });
  return { password, created: true };
}

/** Writes <dataDir>/mosquitto.conf, and the plugin's JSON when there is none yet. Returns the config path. */
export function prepareLocalBroker(opts: LocalBrokerOptions): string {
  const plugin = findDynsecPlugin();
  if (!plugin) {
    throw new Error(
      `Mosquitto's dynamic security plugin was not found (looked in ${PLUGIN_CANDIDATES.join(', ')}); ` +
        'install mosquitto 2 or run the broker with docker compose up -d mosquitto',
    );
  }
  const dataDir = resolve(opts.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const dynsec = join(dataDir, DYNSEC_FILE);
  if (!existsSync(dynsec)) {
    writeFileSync(dynsec, JSON.stringify(dynsecConfig(opts.username, opts.password), null, 2), { mode: 0o600 });
  }
  let config = renderLocalConfig(readFileSync(opts.configTemplate ?? projectMosquittoConf(), 'utf8'), {
    port: opts.port,
    dataDir,
    plugin,
  });
  if (opts.daemon) {
    config = config.replace(/^log_dest stdout$/m, `log_dest file ${join(dataDir, 'mosquitto.log')}`);
    config += `pid_file ${join(dataDir, 'mosquitto.pid')}\n`;
  }
  const path = join(dataDir, 'mosquitto.conf');
  writeFileSync(path, config);
  return path;
}

/** Whether something accepts TCP connections on 127.0.0.1:port. */
export function portAnswers(port: number, host = '127.0.0.1', timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolveUp) => {
    const socket = connect({ port, host });
    const done = (up: boolean) => {
      socket.destroy();
      resolveUp(up);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export interface LocalBroker {
  url: string;
  /** the child process (absent when daemonised) */
  process?: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts Mosquitto with the project's configuration on 127.0.0.1:port and waits until it accepts
 * connections. As a child process (tests) `stop()` ends it; as a daemon (npm start) it outlives the
 * caller like the other local services, and `stop()` does nothing.
 */
export async function startLocalBroker(opts: LocalBrokerOptions): Promise<LocalBroker> {
  const mosquitto = findMosquitto();
  if (!mosquitto) throw new Error('mosquitto is not installed here (or run the broker with docker compose)');
  const configPath = prepareLocalBroker(opts);
  const args = ['-c', configPath, ...(opts.daemon ? ['-d'] : [])];
  const child = spawn(mosquitto, args, {
    stdio: opts.daemon ? 'ignore' : ['ignore', 'pipe', 'pipe'],
    detached: opts.daemon === true,
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  let exited: number | string | undefined;
  const exit = new Promise<void>((resolveExit) =>
    child.once('exit', (code, signal) => {
      exited = code ?? signal ?? 'unknown';
      resolveExit();
    }),
  );
  if (opts.daemon) child.unref();
  const deadline = Date.now() + 10_000;
  while (!(await portAnswers(opts.port, '127.0.0.1', 500))) {
    const failed = exited !== undefined && (!opts.daemon || exited !== 0);
    if (failed || Date.now() > deadline) {
      child.kill('SIGKILL');
      const log = opts.daemon ? join(resolve(opts.dataDir), 'mosquitto.log') : 'its output';
      throw new Error(`mosquitto did not start on port ${opts.port} (see ${log}):\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `mqtt://127.0.0.1:${opts.port}`,
    process: opts.daemon ? undefined : child,
    output: () => out,
    async stop() {
      if (opts.daemon || exited !== undefined) return;
      child.kill('SIGTERM');
      await exit;
    },
  };
}

export type BrokerLogin = { ok: true } | { ok: false; refused: boolean; reason: string };

/**
 * Connects once as `username` and disconnects: whether the broker on `url` takes these credentials.
 * `refused` is the broker's answer (bad username or password, not authorised) as opposed to no answer.
 */
export async function tryBrokerLogin(url: string, username: string, password: string): Promise<BrokerLogin> {
  // Loaded here: the rest of this file is used where no MQTT client is needed.
  const { connectAsync } = await import('mqtt');
  try {
    const client = await connectAsync(url, {
      username,
      password,
      clientId: `labwire-start-check-${randomBytes(4).toString('hex')}`,
      reconnectPeriod: 0,
      connectTimeout: 5000,
    });
    await client.endAsync();
    return { ok: true };
  } catch (err) {
    const e = err as { code?: number | string; message?: string };
    // CONNACK 4 (bad username or password) and 5 (not authorised); v5 uses 134 and 135.
    const refused = [4, 5, 134, 135].includes(Number(e.code)) || /not authori[sz]ed|bad user/i.test(e.message ?? '');
    return { ok: false, refused, reason: e.message ?? String(err) };
  }
}

/**
 * Best effort: which process listens on 127.0.0.1:port, as "pid 123: mosquitto -c /x/mosquitto.conf" (from
 * `ss -ltnp` and /proc), or undefined when that cannot be seen (no ss, another user's process, a container).
 */
export function portHolder(port: number): string | undefined {
  let pid: number | undefined;
  try {
    const out = execFileSync('ss', ['-Hltnp', `sport = :${port}`], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    pid = Number(/pid=(\d+)/.exec(out)?.[1]) || undefined;
  } catch {
    // no ss here
  }
  if (!pid) {
    try {
      const out = execFileSync('fuser', [`${port}/tcp`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      pid = Number(/(\d+)/.exec(out)?.[1]) || undefined;
    } catch {
      // no fuser, or nothing visible
    }
  }
  if (!pid) return undefined;
  let command = '';
  try {
    command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
  } catch {
    // gone, or not ours to read
  }
  return command ? `pid ${pid}: ${command}` : `pid ${pid}`;
}

/** The pid a daemonised local broker wrote to <dataDir>/mosquitto.pid, when it is still running. */
export function localBrokerPid(dataDir: string): number | undefined {
  const file = join(resolve(dataDir), 'mosquitto.pid');
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return pid > 0 && processAlive(pid) ? pid : undefined;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Ends a daemonised broker (SIGTERM: it saves its persistence file) and waits until it is gone. */
export async function stopBrokerProcess(pid: number, timeoutMs = 10_000): Promise<boolean> {
  if (!processAlive(pid)) return true;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (processAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}
