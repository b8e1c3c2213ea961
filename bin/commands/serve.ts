import type { Command } from 'commander';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { parseOptions } from './cli-errors.js';
import { createLocalRuntime } from '../../lambdas/adapters/local/runtime.js';
import { MmdoError } from '../../lambdas/domain/errors.js';
import { LOCAL_TENANT } from '../../lambdas/local/deps.js';
import { DEFAULT_DEMO, seedDemoProfile } from '../../lambdas/local/demo-profile.js';
import { stderrLog } from '../../lambdas/local/log.js';
import { defaultPipelineThreads, PipelinePool, pipelineThreadConfig } from '../../lambdas/local/pipeline-pool.js';
import { ProfileWorkThread } from '../../lambdas/local/http/profile-thread.js';
import { DEFAULT_PORT, defaultServiceOptions, startLocalService } from '../../lambdas/local/service.js';

const OptionsSchema = z.object({
  port: z.coerce.number().int().min(0).max(65535).optional(),
  inbox: z.union([z.string().min(1), z.literal(false)]).optional(),
  profile: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/).optional(),
  concurrency: z.coerce.number().int().min(1).max(16).optional(),
});

export function register(program: Command): void {
  program
    .command('serve')
    .description('run the local service: HTTP API on 127.0.0.1 plus an inbox folder watcher (what `npm start` runs)')
    .option('--port <n>', `port on 127.0.0.1 (env MMDO_PORT, default ${DEFAULT_PORT})`)
    .option('--inbox <dir>', 'folder to watch for dropped images (env MMDO_INBOX, default $MMDO_HOME/inbox)')
    .option('--no-inbox', 'do not watch an inbox folder')
    .option('--profile <name>', `profile used when a request names none, and for inbox files (default '${DEFAULT_DEMO.name}')`)
    .option('--concurrency <n>', 'inspections run at once, each in its own pipeline thread (default: the cores, at most 4)')
    .action(async (raw: unknown) => {
      const cli = parseOptions(OptionsSchema, raw);
      const runtime = await createLocalRuntime();
      const home = runtime.config.home;
      const defaults = defaultServiceOptions(home);
      const port = cli.port ?? (process.env.MMDO_PORT ? parseOptions(z.object({ MMDO_PORT: z.coerce.number().int().min(0).max(65535) }), { MMDO_PORT: process.env.MMDO_PORT }).MMDO_PORT : DEFAULT_PORT);
      const inbox = cli.inbox === false ? null : resolve(cli.inbox ?? process.env.MMDO_INBOX ?? join(home, 'inbox'));
      const profile = cli.profile ?? DEFAULT_DEMO.name;
      const log = stderrLog;

      log(`MMDO_HOME is ${home} (tenant '${LOCAL_TENANT}': the local service is single-tenant)`);
      try {
        await seedDemoProfile(runtime, { ...DEFAULT_DEMO, tenant: LOCAL_TENANT, samplesDir: join(home, 'samples') }, log);
      } catch (error) {
        // The service is still useful without the demo (profiles can be enrolled with `mmdo enroll`).
        log(`could not seed the demo profile: ${(error as Error).message}`);
      }
      // Inspections run in worker threads (decode, normalise, embed, scoring, microstructure, rendering), so the HTTP
      // API, the queue and the inbox on this thread stay responsive during a large job.
      const concurrency = cli.concurrency ?? defaultPipelineThreads();
      let pool: PipelinePool | undefined;
      // Enrolments and feedback applications through the API run in their own thread (started on first use).
      const profileWork = new ProfileWorkThread(pipelineThreadConfig(runtime, defaults.limits));
      let service: Awaited<ReturnType<typeof startLocalService>>;
      try {
        pool = await PipelinePool.start({ ...pipelineThreadConfig(runtime, defaults.limits), size: concurrency });
        service = await startLocalService(
          { ...runtime, inspections: pool, profileWork },
          { ...defaults, port, inbox, defaultProfile: profile, worker: { ...defaults.worker, concurrency } },
          log,
        );
      } catch (error) {
        await pool?.close();
        await profileWork.close();
        await runtime.close();
        throw startError(error, port);
      }
      const url = service.url;
      log(`${concurrency} pipeline thread(s); enrolments and feedback run in a thread of their own`);
      log(`listening on ${url}: the partner API, contract at ${url}/v1/openapi.json (docs/openapi.json)`);
      log(defaults.apiKeys === 'required'
        ? `API keys required (MMDO_API_KEYS=required): send 'Authorization: Bearer mmdo_…' (mmdo tenant create, mmdo key create)`
        : `API keys off: every request is tenant '${LOCAL_TENANT}' with every scope (MMDO_API_KEYS=required turns them on)`);
      log(`  inspections  POST /v1/detect, POST /v1/inspections, POST /v1/inspections/uploads, GET /v1/inspections[/{id}[/heatmap.png|overlay.png|phases.png|micrograph.png]]`);
      log(`  profiles     GET/POST /v1/profiles, GET /v1/profiles/{name}[/versions], PUT …/active-version, DELETE, POST …/enrolments (+ /{id}/start)`);
      log(`  feedback     GET /v1/review-queue, POST/GET /v1/inspections/{id}/feedback, GET /v1/profiles/{name}/labels, POST …/recalibrations`);
      log(`  also         /v1/webhooks, /v1/instruments, /v1/keys, /v1/usage, GET /healthz`);
      log(`  web page     ${url}/`);
      log(`  try: curl -s -H 'Content-Type: image/png' --data-binary @${join(home, 'samples', 'sample-void.png')} '${url}/v1/detect?profile=${profile}'`);
      log(`default profile '${profile}'; Ctrl-C stops (the running job finishes or goes back to the queue)`);

      await new Promise<void>((resolveStop) => {
        let stopping = false;
        const onSignal = (signal: NodeJS.Signals) => {
          if (stopping) process.exit(signal === 'SIGINT' ? 130 : 143);
          stopping = true;
          log(`${signal}: stopping (a second signal exits at once)`);
          void service
            .stop()
            .then(() => pool?.close())
            .then(() => profileWork.close())
            .then(() => runtime.close())
            .then(() => {
              log('stopped');
              resolveStop();
            });
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
      });
    });
}

/** A busy port is the user's to fix: one line (exit code 1), not the stack of a plain Error. */
function startError(error: unknown, port: number): unknown {
  const busy = (error as NodeJS.ErrnoException).code === 'EADDRINUSE' || /already in use/.test((error as Error).message ?? '');
  if (!busy) return error;
  return new MmdoError('port_in_use', `port ${port} on 127.0.0.1 is already in use (another mmdo serve?): choose another with --port or MMDO_PORT`, 409, { port });
}
