import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { z } from 'zod';
import { parseOptions } from './cli-errors.js';
import { pullModel } from '../../lambdas/adapters/onnx/model-pull.js';
import { builtinBackbone, listInstalledModels, resolveBackbone } from '../../lambdas/adapters/onnx/model-store.js';

const PullOptions = z.object({
  sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, '--sha256 must be 64 hex digits'),
  name: z.string().min(1).optional(),
  manifest: z.string().min(1).optional(),
  json: z.boolean().optional(),
});
const JsonOption = z.object({ json: z.boolean().optional() });

/** Reports failures as one clear line on stderr (and exit code 1) instead of a stack trace. */
function guarded<A extends unknown[]>(action: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await action(...args);
    } catch (error) {
      const message = error instanceof z.ZodError ? z.prettifyError(error) : (error as Error).message;
      const code = (error as { code?: unknown }).code;
      process.stderr.write(`mmdo model: ${typeof code === 'string' ? `${code}: ` : ''}${message}\n`);
      process.exitCode = 1;
    }
  };
}

function print(json: boolean | undefined, value: unknown, text: string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`);
}

export function register(program: Command): void {
  const model = program.command('model').description('manage ONNX backbones (built-in filter bank, files, pulled models)');

  model
    .command('pull')
    .description('download a model into MMDO_HOME/models/NAME/, verifying its sha256 while it streams')
    .argument('<url>', 'http(s) URL of the .onnx file')
    .requiredOption('--sha256 <hex>', 'expected sha256 of the file')
    .option('--name <name>', 'folder name under MMDO_HOME/models (default: from the URL)')
    .option('--manifest <urlOrPath>', 'backbone manifest (default: read from the model metadata_props)')
    .option('--json', 'print the result as one JSON document')
    .action(guarded(async (url: string, raw: unknown) => {
      const options = parseOptions(PullOptions, raw);
      const bar = new cliProgress.SingleBar(
        { stream: process.stderr, format: 'pull [{bar}] {percentage}% {value}/{total} bytes', hideCursor: true },
        cliProgress.Presets.shades_classic,
      );
      let started = false;
      try {
        const pulled = await pullModel({
          url,
          sha256: options.sha256,
          name: options.name,
          manifest: options.manifest,
          onProgress: (received, total) => {
            if (!started) bar.start(total ?? 0, 0);
            started = true;
            if (total === undefined) bar.setTotal(received);
            bar.update(received);
          },
        });
        bar.stop();
        print(options.json, pulled, `pulled ${pulled.name} (${pulled.bytes} bytes, sha256 ${pulled.manifest.sha256}) to ${pulled.path}`);
      } finally {
        bar.stop();
      }
    }));

  model
    .command('list')
    .description('list the built-in backbone and the models pulled into MMDO_HOME/models')
    .option('--json', 'print the result as one JSON document')
    .action(guarded(async (raw: unknown) => {
      const { json } = parseOptions(JsonOption, raw);
      const builtin = builtinBackbone();
      const models = [
        { name: 'builtin', path: null, descriptor: builtin.descriptor },
        ...(await listInstalledModels()),
      ];
      print(json, models, models.map((m) => `${m.name.padEnd(28)} ${m.descriptor.id.padEnd(28)} ${m.descriptor.sha256.slice(0, 12)}  ${m.path ?? '(generated)'}`).join('\n'));
    }));

  model
    .command('info')
    .description('describe a backbone: a file, a folder, a pulled model name, or (default) MMDO_BACKBONE / the built-in')
    .argument('[path]', 'model file, folder with model.onnx, or pulled model name')
    .option('--json', 'print the result as one JSON document')
    .action(guarded(async (path: string | undefined, raw: unknown) => {
      const { json } = parseOptions(JsonOption, raw);
      const resolved = await resolveBackbone({ model: path });
      const info = { source: resolved.source, manifestSource: resolved.manifestSource, descriptor: resolved.descriptor, manifest: resolved.manifest };
      const d = resolved.descriptor;
      print(
        json,
        info,
        [
          `id:         ${d.id}`,
          `sha256:     ${d.sha256}`,
          `source:     ${resolved.source} (manifest: ${resolved.manifestSource})`,
          `input:      ${resolved.manifest.input.channels} channel(s), sides multiple of ${d.sizeMultiple}, tile ${d.tileSize}`,
          `outputs:    ${d.layers.map((l) => `${l.name} (stride ${l.stride}, ${l.channels} ch)`).join(', ')}`,
          `patch:      ${d.patchLayers.join(', ')}`,
          `embedding:  ${d.embeddingLayer}`,
        ].join('\n'),
      );
    }));
}
