/**
 * Ports of the partner API (lambdas/api): credentials, idempotent POSTs and the usage ledger. SQLite implements
 * them locally (adapters/local/store/api-store.ts), DynamoDB in the cloud (adapters/aws/dynamodb-api-store.ts,
 * dynamodb-usage-ledger.ts). No transactions anywhere (dynalite has none): every write is one conditional put.
 */

/** What a key may do: `read` reports and lists, `inspect` also submits images, `admin` also manages keys and webhooks. */
export const SCOPES = ['read', 'inspect', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/** Who is calling: the tenant always comes from here (the credential), never from a path or body. */
export interface Principal {
  readonly tenant: string;
  readonly scopes: readonly Scope[];
  /** The key that authenticated the call; absent when keys are off (local default). */
  readonly keyId?: string;
}

export interface Tenant {
  readonly id: string;
  readonly name: string;
  readonly createdAt: string;
}

/** A stored API key: never the key itself, only its SHA-256 and its public id (the lookup prefix). */
export interface ApiKeyRecord {
  readonly id: string;
  readonly tenant: string;
  readonly name: string;
  readonly scopes: readonly Scope[];
  readonly hash: string;
  readonly createdAt: string;
  readonly revokedAt?: string;
}

export interface CredentialStore {
  /** Creates the tenant unless it exists (then 'exists', unchanged). */
  createTenant(tenant: Tenant): Promise<'created' | 'exists'>;
  getTenant(id: string): Promise<Tenant | undefined>;
  /** Stores a new key; its id is random, so a clash is a bug and throws. */
  putKey(record: ApiKeyRecord): Promise<void>;
  getKey(id: string): Promise<ApiKeyRecord | undefined>;
  listKeys(tenant: string): Promise<ApiKeyRecord[]>;
  /** Marks a key of this tenant revoked; false when the tenant has no such key. */
  revokeKey(tenant: string, id: string, at: string): Promise<boolean>;
}

/** A response kept for replay: JSON body, status and the headers a client acts on. */
export interface StoredResponse {
  readonly status: number;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
}

export type IdempotencyBegin =
  | { readonly state: 'new' }
  | { readonly state: 'replay'; readonly response: StoredResponse }
  | { readonly state: 'in_progress' }
  | { readonly state: 'conflict' };

/**
 * `Idempotency-Key` records per tenant: `begin` claims the key for a request fingerprint (one conditional put);
 * the same key and fingerprint replays the stored response, another fingerprint is a conflict.
 */
export interface IdempotencyStore {
  begin(tenant: string, key: string, fingerprint: string, ttlSeconds: number): Promise<IdempotencyBegin>;
  complete(tenant: string, key: string, fingerprint: string, response: StoredResponse): Promise<void>;
  /** Forgets an unfinished claim (the request failed with a server error), so a retry runs again. */
  abandon(tenant: string, key: string, fingerprint: string): Promise<void>;
}

/** Billable events. Failed inspections are never billed. */
export const USAGE_KINDS = ['inspection', 'enrolment_image'] as const;
export type UsageKind = (typeof USAGE_KINDS)[number];

/** One billable event. `eventId` is its natural id (`inspection:<reportId>`): recording it twice is a no-op. */
export interface UsageRecord {
  readonly tenant: string;
  readonly eventId: string;
  readonly kind: UsageKind;
  readonly quantity: number;
  /** ISO 8601: when the billable thing happened (the report's creation time). */
  readonly occurredAt: string;
  readonly profile?: string;
  readonly reportId?: string;
}

export interface UsageQuery {
  /** Inclusive lower and exclusive upper bound (ISO 8601). */
  readonly from: string;
  readonly to: string;
}

export interface UsageLedger {
  /** 'recorded' the first time an event id is seen; 'duplicate' every later time (nothing changes). */
  record(record: UsageRecord): Promise<'recorded' | 'duplicate'>;
  /** A tenant's records in [from, to), oldest first. */
  list(tenant: string, query: UsageQuery): Promise<UsageRecord[]>;
}

/** A one-object upload slot made by POST /v1/inspections/uploads: the object, once uploaded, is inspected as declared. */
export interface UploadSlot {
  /** `upl_` + 32 hex: the inspection's id until its report exists. */
  readonly id: string;
  readonly tenant: string;
  readonly name: string;
  readonly profile: string;
  readonly profileVersion?: number;
  readonly pixelSizeUm?: number;
  readonly metadata?: Record<string, unknown>;
  readonly contentType: string;
  readonly bytes: number;
  /** The object key the slot may write (cloud). */
  readonly key: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  /** The queued job the upload became (local). */
  readonly jobId?: string;
}

/** An instrument that uploads straight into storage under its own key prefix, with renewable credentials. */
export interface Instrument {
  /** `ins_` + 24 hex. */
  readonly id: string;
  readonly tenant: string;
  readonly name: string;
  readonly profile: string;
  readonly profileVersion?: number;
  /** `<tenant>/<profile>[@v]/instruments/<id>/`: the only keys its credentials can write. */
  readonly keyPrefix: string;
  readonly createdAt: string;
  readonly revokedAt?: string;
}

export interface UploadRegistry {
  putSlot(slot: UploadSlot): Promise<void>;
  getSlot(tenant: string, id: string): Promise<UploadSlot | undefined>;
  putInstrument(instrument: Instrument): Promise<void>;
  getInstrument(tenant: string, id: string): Promise<Instrument | undefined>;
  listInstruments(tenant: string): Promise<Instrument[]>;
  revokeInstrument(tenant: string, id: string, at: string): Promise<boolean>;
}

/** What the API decides about a profile beside its versions: the version used when a request names none, and deletion. */
export interface ProfileControl {
  readonly tenant: string;
  readonly name: string;
  readonly activeVersion?: number;
  readonly deletedAt?: string;
}

export interface ProfileControls {
  getControl(tenant: string, name: string): Promise<ProfileControl | undefined>;
  listControls(tenant: string): Promise<ProfileControl[]>;
  /** Sets the active version (and clears a deletion: activating a version brings the profile back). */
  activate(tenant: string, name: string, version: number): Promise<void>;
  markDeleted(tenant: string, name: string, at: string): Promise<void>;
}
