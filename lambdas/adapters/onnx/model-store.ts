import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import type { BackboneDescriptor } from '../../ports/backbone.js';
import {
  descriptorOf,
  parseBackboneManifest,
  withLayerChoice,
  type BackboneManifest,
  type LayerChoice,
} from '../../domain/backbone/manifest.js';
import { manifestFromMetadata, type GraphSummary } from '../../domain/backbone/metadata.js';
import { BackboneError } from '../../domain/backbone/errors.js';
import { BUILTIN_BACKBONE_ID, BUILTIN_MANIFEST, buildFilterBankModel } from './filter-bank-model.js';
import { OnnxBackbone } from './onnx-backbone.js';
import { onnx, type OnnxTypes } from './onnx-proto.js';

/** A backbone located and described, ready to load. */
export interface ResolvedBackbone {
  readonly manifest: BackboneManifest;
  readonly sha256: string;
  readonly descriptor: BackboneDescriptor;
  /** Where the model came from: 'builtin', a file path. */
  readonly source: 'builtin' | string;
  /** Where the manifest came from: 'builtin', a manifest file path, or 'metadata_props'. */
  readonly manifestSource: string;
  readonly bytes: Uint8Array;
}

export interface ResolveOptions {
  /** A model file, a folder holding model.onnx, or the name of a pulled model. Default: MMDO_BACKBONE, else built-in. */
  readonly model?: string;
  readonly home?: string;
  readonly layers?: LayerChoice;
}

export function mmdoHome(home?: string): string {
  return resolve(home ?? process.env.MMDO_HOME ?? join(homedir(), '.mmdo'));
}

export function modelsDir(home?: string): string {
  return join(mmdoHome(home), 'models');
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

let builtinBytes: Uint8Array | undefined;

/** The built-in filter bank, generated in memory (same bytes, same sha256, every time). */
export function builtinBackbone(layers: LayerChoice = {}): ResolvedBackbone {
  builtinBytes ??= buildFilterBankModel();
  const manifest = withLayerChoice(BUILTIN_MANIFEST, layers, 'built-in backbone');
  const sha256 = sha256Hex(builtinBytes);
  return { manifest, sha256, descriptor: descriptorOf(manifest, sha256), source: 'builtin', manifestSource: 'builtin', bytes: builtinBytes };
}

/**
 * Finds and describes a backbone. Order: explicit option, MMDO_BACKBONE, built-in. A path's manifest comes from
 * `<file>.manifest.json`, else `manifest.json` beside it, else the model's metadata_props; a bare name refers to
 * MMDO_HOME/models/NAME/.
 */
export async function resolveBackbone(options: ResolveOptions = {}): Promise<ResolvedBackbone> {
  const ref = options.model ?? (process.env.MMDO_BACKBONE || undefined);
  if (!ref || ref === 'builtin' || ref === BUILTIN_BACKBONE_ID) return builtinBackbone(options.layers);
  const file = await locateModel(ref, options.home);
  const bytes = new Uint8Array(await readFile(file));
  const sha256 = sha256Hex(bytes);
  const { manifest: found, manifestSource } = await findManifest(file, bytes);
  if (found.sha256 && found.sha256 !== sha256) {
    throw new BackboneError('checksum_mismatch', `model ${file} has sha256 ${sha256} but its manifest (${manifestSource}) says ${found.sha256}`, {
      file,
      expected: found.sha256,
      actual: sha256,
    });
  }
  const manifest = withLayerChoice(found, options.layers ?? {}, manifestSource);
  return { manifest, sha256, descriptor: descriptorOf(manifest, sha256), source: file, manifestSource, bytes };
}

export async function loadBackbone(options: ResolveOptions = {}): Promise<OnnxBackbone> {
  const resolved = await resolveBackbone(options);
  return OnnxBackbone.create(resolved.bytes, resolved.manifest, resolved.sha256, resolved.source === 'builtin' ? undefined : resolved.source);
}

async function locateModel(ref: string, home?: string): Promise<string> {
  const looksLikeName = /^[A-Za-z0-9._-]+$/.test(ref) && !ref.endsWith('.onnx');
  const candidates = looksLikeName ? [join(modelsDir(home), ref, 'model.onnx'), resolve(ref)] : [resolve(ref)];
  for (const candidate of candidates) {
    const info = await stat(candidate).catch(() => undefined);
    if (info?.isFile()) return candidate;
    if (info?.isDirectory() && existsSync(join(candidate, 'model.onnx'))) return join(candidate, 'model.onnx');
  }
  throw new BackboneError('backbone_not_found', `no ONNX backbone at '${ref}' (looked at ${candidates.join(', ')})`, { ref });
}

async function findManifest(file: string, bytes: Uint8Array): Promise<{ manifest: BackboneManifest; manifestSource: string }> {
  for (const candidate of [`${file}.manifest.json`, join(dirname(file), 'manifest.json')]) {
    const text = await readFile(candidate, 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new BackboneError('backbone_invalid', `manifest ${candidate} is not valid JSON`);
    }
    return { manifest: parseBackboneManifest(json, candidate), manifestSource: candidate };
  }
  const { props, graph } = readModelInfo(bytes, file);
  // A pulled model lives in NAME/model.onnx: its folder names it better than 'model'.
  const id = basename(file) === 'model.onnx' ? basename(dirname(file)) : basename(file, '.onnx');
  return { manifest: manifestFromMetadata(props, graph, id), manifestSource: 'metadata_props' };
}

/** Reads metadata_props and static input/output shapes from ONNX bytes. */
export function readModelInfo(bytes: Uint8Array, label: string): { props: Map<string, string>; graph: GraphSummary } {
  let model: OnnxTypes.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (error) {
    throw new BackboneError('backbone_invalid', `${label} is not an ONNX model (${(error as Error).message})`);
  }
  const props = new Map(model.metadataProps.map((p) => [p.key ?? '', p.value ?? '']));
  const graph = model.graph as OnnxTypes.GraphProto | null | undefined;
  const initializers = new Set(graph?.initializer.map((t) => t.name) ?? []);
  const input = graph?.input.find((i) => !initializers.has(i.name));
  if (!graph || !input?.name) throw new BackboneError('backbone_invalid', `${label} has no graph input`);
  const channelsOf = (v: OnnxTypes.IValueInfoProto) => {
    const dim = v.type?.tensorType?.shape?.dim?.[1];
    const value = dim?.dimValue === undefined || dim.dimValue === null ? undefined : Number(dim.dimValue);
    return value && value > 0 ? value : undefined;
  };
  const outputChannels = new Map<string, number>();
  for (const o of graph.output) {
    const c = channelsOf(o);
    if (o.name && c) outputChannels.set(o.name, c);
  }
  return { props, graph: { inputName: input.name, inputChannels: channelsOf(input), outputChannels } };
}

export interface InstalledModel {
  readonly name: string;
  readonly path: string;
  readonly descriptor: BackboneDescriptor;
}

/** Models pulled into MMDO_HOME/models/ (each folder with model.onnx and manifest.json). */
export async function listInstalledModels(home?: string): Promise<InstalledModel[]> {
  const dir = modelsDir(home);
  const names = await readdir(dir).catch(() => [] as string[]);
  const models: InstalledModel[] = [];
  for (const name of names.sort()) {
    const path = join(dir, name, 'model.onnx');
    const manifestPath = join(dir, name, 'manifest.json');
    if (!existsSync(path) || !existsSync(manifestPath)) continue;
    const manifest = parseBackboneManifest(JSON.parse(await readFile(manifestPath, 'utf8')), manifestPath);
    // The stored sha256 was verified at pull time; re-hashing every model on each listing is not worth it.
    models.push({ name, path, descriptor: descriptorOf(manifest, manifest.sha256 ?? '') });
  }
  return models;
}
