/* Generated from docs/openapi.json by scripts/build-web.ts (openapi-typescript). Do not edit: npm run web:build. */
export interface paths {
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Liveness */
        get: operations["health"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/openapi.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** This document */
        get: operations["openapi"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/detect": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Inspect an image and wait for the verdict
         * @description Images up to `detectMaxPixels` (documented in the README; 4 MP by default) are inspected at once and the report is the answer. Larger images are queued: 202 and poll the `Location`.
         */
        post: operations["detect"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/inspections": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List reports, newest first (by time or by batch) */
        get: operations["listInspections"];
        put?: never;
        /**
         * Queue an inspection
         * @description Checks size, header and metadata at once; 202 with the inspection id. The report arrives later (poll, or subscribe a webhook).
         */
        post: operations["submitInspection"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/inspections/uploads": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * An upload slot for one image, straight into storage (large images)
         * @description Returns a presigned POST for exactly this key, size and content type, valid 15 minutes. Post the `fields`, then the file as `file`, to `url`; the image is then inspected as declared here. Poll `links.self` (status `awaiting_upload`, then `queued`, then the report).
         */
        post: operations["createUpload"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/inspections/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A report, or its progress while it runs */
        get: operations["getInspection"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/inspections/{id}/feedback": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Expert judgements of a report and of its regions */
        get: operations["listFeedback"];
        put?: never;
        /**
         * Confirm, reject or relabel a report, or one of its regions
         * @description One judgement per report (and per region): judging the same target again replaces the earlier judgement. The report must be completed (409 `report_not_reviewable` for a failed one). Labels form the profile's validation set (`GET /v1/profiles/{name}/labels`); `POST /v1/profiles/{name}/recalibrations` learns from them.
         */
        post: operations["recordFeedback"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/inspections/{id}/{artifact}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A report image: heatmap, overlay, phase overlay or the micrograph
         * @description `micrograph.png` is the inspected image as decoded (grey, full resolution, 8 bit, whatever the upload's format and depth); reports written before it existed have none (404 `artifact_not_available`). The report's `links` name the images it has.
         */
        get: operations["getArtifact"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/profiles": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Profiles and their versions */
        get: operations["listProfiles"];
        put?: never;
        /**
         * Create a profile: its first enrolment, with an upload form per image
         * @description Declares the normal images (name, content type, exact size); the answer is an enrolment job with a presigned POST per image. Upload each, then `POST …/enrolments/{id}/start`; poll `links.self` until `completed` (the new profile version) or `failed` (the reason). 409 `profile_exists` when the name is taken (a deleted profile too: activate a version to restore it).
         */
        post: operations["createProfile"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/profiles/{name}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One profile and its versions */
        get: operations["getProfile"];
        put?: never;
        post?: never;
        /** Delete a profile: no new inspections with it; its versions stay for the reports that cite them */
        delete: operations["deleteProfile"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/profiles/{name}/versions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A profile's versions, which one is active */
        get: operations["listProfileVersions"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/profiles/{name}/versions/{version}/images": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The images a version was enrolled from, with their role and a thumbnail link */
        get: operations["listEnrolledImages"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/profiles/{name}/versions/{version}/images/{sha256}/thumbnail.png": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A thumbnail of an enrolled image
         * @description The image as decoded, in 8-bit grey, at most 256 px on its longer side. Enrolment writes it; a version enrolled before thumbnails existed has none (404 `artifact_not_available`) until the next enrolment into the profile.
         */
        get: operations["getEnrolledThumbnail"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/profiles/{name}/versions/{version}/calibration": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * What a version knows of its scores: calibration normals, thresholds, labelled reports
         * @description The raw scores of the version's held-out calibration normals per component with the raw scores at which each turns suspect and anomalous, the operating thresholds on the fused score (how they were set, and a warning when the calibration set was too small to resolve the declared false-alarm rates), the expert-labelled reports this version scored (fused and raw component scores: with labels of both kinds, an ROC), and a tuner's figures when `mmdo tune` chose the settings. The web page draws the histograms and ROC `mmdo evaluate` draws from it.
         */
        get: operations["getCalibrationFigures"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/profiles/{name}/active-version": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /** Choose the version inspections use when they name none (undoes a deletion) */
        put: operations["activateProfileVersion"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/profiles/{name}/enrolments": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Enrol more normal images into a profile (a new version), by presigned uploads
         * @description As `POST /v1/profiles`, for an existing profile: the new version holds its earlier images and these.
         */
        post: operations["createEnrolment"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/profiles/{name}/enrolments/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** An enrolment: its uploads, progress, and the version it made or why it failed */
        get: operations["getEnrolment"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/profiles/{name}/enrolments/{id}/start": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Start an enrolment once every image is uploaded
         * @description 409 `enrolment_incomplete` (naming the images) while uploads are missing or of another size; 409 `enrolment_not_awaiting_upload` once started.
         */
        post: operations["startEnrolment"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/profiles/{name}/labels": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The profile's labelled set: its reports with an expert label */
        get: operations["listLabels"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/profiles/{name}/recalibrations": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Apply the expert feedback: enrol confirmed normals, recalibrate weights and thresholds (new versions)
         * @description Runs as a job: 202, then poll `links.self`. The result says what changed (as `mmdo review apply`); the versions it made are announced as `profile.updated`.
         */
        post: operations["createRecalibration"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/profiles/{name}/recalibrations/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A recalibration: its progress and result */
        get: operations["getRecalibration"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/review-queue": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Unreviewed reports, most uncertain first (what an expert should judge next) */
        get: operations["reviewQueue"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Subscriptions (never their secrets) */
        get: operations["listWebhooks"];
        put?: never;
        /**
         * Subscribe a receiver to inspection events
         * @description https targets only (plain http to loopback on the local service); private, loopback, link-local and metadata addresses are refused after DNS resolution. The signing secret is in this answer only.
         */
        post: operations["createWebhook"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One subscription */
        get: operations["getWebhook"];
        put?: never;
        post?: never;
        /** Unsubscribe (pending deliveries are dropped) */
        delete: operations["deleteWebhook"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks/{id}/rotate-secret": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * A new signing secret, with an overlap window
         * @description The new secret is in this answer only. Until `previousSecretExpiresAt` every delivery carries a signature with each secret (Standard Webhooks: space-separated `v1,` signatures), so a receiver can switch at any time in the window.
         */
        post: operations["rotateWebhookSecret"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks/{id}/deliveries": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The delivery log of a subscription, newest first */
        get: operations["listWebhookDeliveries"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/usage": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Billable usage per period, per profile and per day; CSV export
         * @description One record per completed inspection (failed ones are not billed). `format=csv` returns every record.
         */
        get: operations["getUsage"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/instruments": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** This tenant's instruments */
        get: operations["listInstruments"];
        put?: never;
        /**
         * Register an instrument: credentials that can only upload images under its own key prefix
         * @description The credentials are a presigned POST policy: key prefix, size range, image content types, expiry (6 h in the cloud); renew them before they expire. Each image uploaded under the prefix is inspected with the instrument's profile; pixel size and sheet fields travel as `x-amz-meta-*` form fields.
         */
        post: operations["createInstrument"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/instruments/{id}/credentials": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** New credentials for an instrument */
        post: operations["renewInstrumentCredentials"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/instruments/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Revoke an instrument (no new credentials; the local service refuses its uploads at once, the cloud when its credentials expire) */
        delete: operations["revokeInstrument"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** This tenant's keys (ids, names, scopes; never the keys) */
        get: operations["listKeys"];
        put?: never;
        /** Issue an API key for this tenant (shown once) */
        post: operations["createKey"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/keys/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Revoke a key (at once locally; within the authorizer cache time, 60 s, in the cloud) */
        delete: operations["revokeKey"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        Health: {
            /** @enum {string} */
            status: "ok";
            /** @enum {string} */
            runtime: "local" | "cloud";
        } & {
            [key: string]: unknown;
        };
        /** @description RFC 9457 problem details. */
        Problem: {
            /** @example urn:mmdo:problem:validation_failed */
            type: string;
            title: string;
            status: number;
            detail: string;
            instance: string;
            /** @description Stable machine-readable code (see the README error table). */
            code: string;
            details?: {
                [key: string]: unknown;
            };
        };
        Report: {
            /** @enum {string} */
            schemaVersion: "1.0";
            id: string;
            tenant: string;
            /** Format: date-time */
            createdAt: string;
            /** @enum {string} */
            status: "completed" | "failed";
            input: {
                name: string;
                sha256: string;
                bytes: number;
                /** @enum {string} */
                format?: "png" | "jpeg" | "tiff";
                bitDepth?: 8 | 16;
                channels?: number;
                width?: number;
                height?: number;
                pages?: number;
                pixelSizeUm?: number;
                /** @enum {string} */
                pixelSizeSource?: "file" | "caller" | "metadata" | "profile" | "unknown";
                /** @default [] */
                warnings: string[];
            };
            metadata: {
                [key: string]: unknown;
            } | null;
            backbone: {
                id: string;
                sha256: string;
            } | null;
            profile: {
                name: string;
                version: number;
            } | null;
            scores: {
                score: number;
                /** @enum {string} */
                verdict: "normal" | "suspect" | "anomalous";
                thresholds: {
                    suspect: number;
                    anomalous: number;
                };
                components: {
                    /** @enum {string} */
                    name: "patch" | "novelty" | "consistency" | "reproducibility" | "density";
                    raw: number;
                    calibrated: number;
                    weight: number;
                    contribution: number;
                    shapley?: number;
                    pValue?: number;
                    calibrationSize?: number;
                }[];
                explanation?: string;
                uncertainty?: {
                    lower: number;
                    upper: number;
                    confidence: number;
                    componentsAgree: boolean;
                    disagreement?: string;
                };
                outOfDistribution?: {
                    flagged: boolean;
                    reason?: string;
                };
            } | null;
            regions: {
                id: number;
                bbox: {
                    x: number;
                    y: number;
                    width: number;
                    height: number;
                };
                areaPx: number;
                areaUm2?: number;
                peakScore: number;
                meanScore: number;
                centroid: {
                    x: number;
                    y: number;
                };
            }[];
            novelty?: {
                score: number;
                nearest: {
                    id: string;
                    distance: number;
                    label?: string;
                    sha256?: string;
                }[];
            };
            density?: {
                score: number;
                blocks: {
                    name: string;
                    z: number;
                    weight: number;
                }[];
            };
            microstructure?: {
                [key: string]: unknown;
            };
            findings?: {
                [key: string]: unknown;
            }[];
            reproducibility?: {
                fields: number;
                batchId: string;
                sampleId: string;
                reportIds: string[];
                score: number;
                meanCv: number;
                metrics: {
                    metric: string;
                    n: number;
                    mean: number;
                    std: number | null;
                    cv: number | null;
                    tolerance: number;
                }[];
                findings: {
                    metric: string;
                    cv: number;
                    tolerance: number;
                    message: string;
                }[];
            };
            forecast?: {
                /** @enum {boolean} */
                available: true;
                cycle: number;
                confidence: number;
                retention: number;
                lower: number;
                upper: number;
                trainingBatches: number;
                synthetic: boolean;
                features: {
                    [key: string]: number;
                };
                coefficients: {
                    [key: string]: number;
                };
                lambda: number;
            } | {
                /** @enum {boolean} */
                available: false;
                reason: string;
            };
            artifacts: {
                [key: string]: string;
            };
            timingsMs: {
                [key: string]: number;
            };
            failure?: {
                code: string;
                message: string;
                stage: string;
            };
            links: components["schemas"]["Links"];
        };
        /** @description Where to fetch the report and its images: `self`, and `heatmap`, `overlay`, `phases`, `micrograph` when the report has them. */
        Links: {
            [key: string]: string;
        };
        Accepted: {
            id: string;
            /** @enum {string} */
            status: "queued" | "running" | "completed" | "failed";
            links: components["schemas"]["Links"];
        };
        UploadSlot: {
            id: string;
            /** @enum {string} */
            status: "awaiting_upload";
            upload: components["schemas"]["PresignedUpload"];
            links: components["schemas"]["Links"];
        };
        PresignedUpload: {
            /** @enum {string} */
            method: "POST";
            url: string;
            /** @description Send these form fields first, then the file as `file`. */
            fields: {
                [key: string]: string;
            };
            expiresAt: string;
            maxBytes: number;
            /** @description Instruments: every key must start with this; `${filename}` in `key` becomes the file name. */
            keyPrefix?: string;
        };
        UploadRequest: {
            name: string;
            /** @enum {string} */
            contentType: "image/png" | "image/jpeg" | "image/tiff";
            /** @description The exact size of the file; the upload must match it. */
            bytes: number;
            profile?: string;
            profileVersion?: number;
            pixelSizeUm?: number;
            /** @description The synthesis sheet (validated now, as the CLI validates it). */
            metadata?: {
                [key: string]: unknown;
            };
        };
        ReportPage: {
            items: components["schemas"]["Report"][];
            next: string | null;
        };
        PendingInspection: {
            id: string;
            /** @enum {string} */
            status: "awaiting_upload" | "queued" | "running";
            stage: string | null;
            progress: number | null;
            attempts: number;
            name: string;
            profile: string;
            submittedAt: string;
            links: components["schemas"]["Links"];
        };
        FeedbackList: {
            items: components["schemas"]["Feedback"][];
        };
        Feedback: {
            reportId: string;
            target: {
                /** @enum {string} */
                kind: "report";
            } | {
                /** @enum {string} */
                kind: "region";
                regionId: number;
            };
            /** @enum {string} */
            action: "confirm" | "reject" | "relabel";
            label: string;
            reviewer: string;
            note?: string;
            at: string;
            profile: {
                name: string;
                version: number;
            } | null;
            /**
             * @description The verdict judged.
             * @enum {string}
             */
            verdict: "normal" | "suspect" | "anomalous";
            score: number;
        };
        FeedbackRecorded: {
            feedback: components["schemas"]["Feedback"];
            /** @enum {string} */
            outcome: "created" | "updated" | "unchanged";
        };
        FeedbackRequest: {
            /**
             * @description confirm: the verdict is right (a region: a real defect); reject: it is wrong (a region: a false alarm); relabel: set `label`.
             * @enum {string}
             */
            action: "confirm" | "reject" | "relabel";
            /** @description A region of the report; absent: the whole report. */
            regionId?: number;
            /** @description `normal`, `anomalous` or a defect class (e.g. `crack`); required by relabel. */
            label?: string;
            /** @description Who judged (default: the API key). */
            reviewer?: string;
            note?: string;
        };
        ProfileList: {
            defaultProfile: string | null;
            items: components["schemas"]["Profile"][];
        };
        Profile: {
            name: string;
            latestVersion: number;
            /** @description The version inspections use when they name none (the latest unless one was activated). */
            activeVersion: number;
            versions: {
                version: number;
                createdAt: string;
                bankImages: number;
                backboneId: string;
            }[];
        };
        ProfileVersions: {
            activeVersion: number;
            items: {
                version: number;
                createdAt: string;
                bankImages: number;
                backboneId: string;
                active: boolean;
            }[];
        };
        EnrolledImagePage: {
            items: {
                name: string;
                sha256: string;
                /**
                 * @description In the memory bank, or held out to calibrate the scores.
                 * @enum {string}
                 */
                role: "bank" | "calibration";
                /** @description The pixel size declared when it was enrolled. */
                pixelSizeUm?: number;
                links: {
                    /** @description A grey PNG, at most 256 px on its longer side. */
                    thumbnail: string;
                };
            }[];
            next: string | null;
        };
        CalibrationFigures: {
            profile: string;
            version: number;
            operating: {
                /** @description Fused scores at or above `suspect` are flagged, at or above `anomalous` anomalous. */
                thresholds: {
                    suspect: number;
                    anomalous: number;
                };
                /**
                 * @description How they were set: the calibrated scale's 0.5 / 0.9, conformal quantiles of the calibration normals' fused scores, extrapolated (see `warning`), or from expert feedback.
                 * @enum {string}
                 */
                source: "default" | "conformal" | "extrapolated" | "feedback";
                falseAlarmRate: number;
                suspectRate: number;
                /** @description Normal images the thresholds were calibrated on. */
                calibrationSize: number;
                warning?: string;
            };
            components: {
                /** @enum {string} */
                name: "patch" | "novelty" | "density" | "consistency";
                /** @description Whether the version's fusion uses the component. */
                fused: boolean;
                /** @description Raw scores of the held-out calibration normals (empty: none recorded). */
                normals: number[];
                /** @description The raw scores at which the component's calibrated value is 0.5 (suspect) and 0.9 (anomalous); null without a calibration. */
                thresholds: {
                    suspect: number;
                    anomalous: number;
                } | null;
            }[];
            labelled: {
                /** @description Reports of this version with an expert label (the labelled set): an ROC needs both kinds. */
                items: {
                    reportId: string;
                    name: string;
                    label: string;
                    anomalous: boolean;
                    /** @description The fused 0..1 score the report was given. */
                    score: number;
                    /** @description Each component's raw score in the report. */
                    components: {
                        [key: string]: number;
                    };
                }[];
                /** @description Labelled reports of the profile scored by other versions (another scale: left out). */
                otherVersions: number;
            };
            /** @description At the version's operating threshold (fused score ≥ suspect), on the labelled reports it scored. */
            atOperating: {
                recall: components["schemas"]["ShareEstimate"];
                falseAlarms: components["schemas"]["ShareEstimate"] & unknown;
            };
            /** @description When `mmdo tune` chose the settings: what it maximised and its test figures. */
            tuning: {
                tuner: string;
                metric: string;
                value: number;
                validationImages?: number;
                /** @description The tuned settings' figures on the untouched test split. */
                test?: {
                    [key: string]: number;
                };
            } | null;
        };
        /** @description Expert-confirmed defects among the labelled reports that the operating threshold flagged: the expected recall (null: none labelled). */
        ShareEstimate: {
            hits: number;
            of: number;
            share: number;
            lower: number;
            upper: number;
            confidence: number;
        } | null;
        ProfileActivation: {
            version: number;
        };
        ProfileJob: {
            id: string;
            /** @enum {string} */
            kind: "enrolment" | "recalibration";
            profile: string;
            /**
             * @description awaiting_upload (enrolments: until `start`), queued, running (with stage and progress), then completed (with the versions made) or failed (with the reason).
             * @enum {string}
             */
            status: "awaiting_upload" | "queued" | "running" | "completed" | "failed";
            stage: string | null;
            progress: number | null;
            createdAt: string;
            updatedAt: string;
            startedAt?: string;
            finishedAt?: string;
            /** @description Enrolments: the declared images and whether each is uploaded. */
            images?: {
                index: number;
                name: string;
                contentType: string;
                bytes: number;
                pixelSizeUm?: number;
                uploaded: boolean;
            }[];
            /** @description While awaiting_upload: a presigned POST for each image not uploaded yet (fresh on every read). Post its `fields`, then the file as `file`. */
            uploads?: {
                index: number;
                name: string;
                upload: components["schemas"]["PresignedUpload"];
            }[];
            /** @description What was asked: enrolment options, or the recalibration request. */
            options: {
                [key: string]: unknown;
            };
            /** @description The profile versions the job made. */
            versions: {
                version: number;
                /** @enum {string} */
                source: "enrolment" | "feedback";
            }[];
            /** @description Enrolment: version, bank and calibration image counts, bank vectors, thresholds, operating point, timings, images enrolled. Recalibration: labels used, weights and thresholds before and after, F1, warnings (as `mmdo review apply --json` prints). */
            result: {
                [key: string]: unknown;
            } | null;
            failure: {
                code: string;
                message: string;
            } | null;
            links: components["schemas"]["Links"];
        };
        ProfileCreate: {
            /** @example cathode-sem */
            name: string;
            /** @description The normal images to enrol, declared before upload. At least 2 in all with the profile's earlier images (one for the bank, one held out for calibration); the runtime's limits on count and sizes are in the README. */
            images: {
                name: string;
                /** @enum {string} */
                contentType: "image/png" | "image/jpeg" | "image/tiff";
                /** @description The exact size of the file; its upload must match it. */
                bytes: number;
                /** @description µm per pixel of this image, overriding its file and the enrolment's. */
                pixelSizeUm?: number;
            }[];
            /** @description µm per pixel of the profile (default: the earlier version's, else the first image's own). */
            pixelSizeUm?: number;
            /** @description Share of the new images held out for calibration (default 0.2). */
            calibrationFraction?: number;
            /** @description Share of patches kept in the memory bank (default: the earlier version's, else 0.1). */
            coresetRatio?: number;
            seed?: number;
            /** @description Share of normal images the version may flag (suspect or anomalous); its calibration normals set the threshold (default: the earlier version's, else 0.01; 99 calibration normals resolve 0.01). */
            suspectRate?: number;
            /** @description Share of normal images the version may call anomalous (default: the earlier version's, else 0.001). */
            falseAlarmRate?: number;
        };
        EnrolmentRequest: {
            /** @description The normal images to enrol, declared before upload. At least 2 in all with the profile's earlier images (one for the bank, one held out for calibration); the runtime's limits on count and sizes are in the README. */
            images: {
                name: string;
                /** @enum {string} */
                contentType: "image/png" | "image/jpeg" | "image/tiff";
                /** @description The exact size of the file; its upload must match it. */
                bytes: number;
                /** @description µm per pixel of this image, overriding its file and the enrolment's. */
                pixelSizeUm?: number;
            }[];
            /** @description µm per pixel of the profile (default: the earlier version's, else the first image's own). */
            pixelSizeUm?: number;
            /** @description Share of the new images held out for calibration (default 0.2). */
            calibrationFraction?: number;
            /** @description Share of patches kept in the memory bank (default: the earlier version's, else 0.1). */
            coresetRatio?: number;
            seed?: number;
            /** @description Share of normal images the version may flag (suspect or anomalous); its calibration normals set the threshold (default: the earlier version's, else 0.01; 99 calibration normals resolve 0.01). */
            suspectRate?: number;
            /** @description Share of normal images the version may call anomalous (default: the earlier version's, else 0.001). */
            falseAlarmRate?: number;
        };
        LabelledSet: {
            items: {
                reportId: string;
                name: string;
                createdAt: string;
                profile: {
                    name: string;
                    version: number;
                } | null;
                label: string;
                anomalous: boolean;
                /** @enum {string} */
                source: "report" | "regions";
                reviewers: string[];
                at: string;
                /** @enum {string|null} */
                verdict: "normal" | "suspect" | "anomalous" | null;
                score: number | null;
                links: components["schemas"]["Links"];
            }[];
        };
        RecalibrationRequest: {
            /** @description Who asked for it (kept with the recalibration); default: the API key. */
            reviewer?: string;
            /**
             * @description Compute and report what would change; enrol and save nothing.
             * @default false
             */
            dryRun: boolean;
            /**
             * @description Enrol the reports confirmed normal into the profile first (false: recalibrate only).
             * @default true
             */
            enrolNormals: boolean;
        };
        ReviewQueue: {
            /** @description Unreviewed completed reports, most uncertain first, judged at the profile's current operating point. */
            items: {
                reportId: string;
                name: string;
                createdAt: string;
                profile: {
                    name: string;
                    version: number;
                };
                score: number;
                /** @enum {string} */
                verdict: "normal" | "suspect" | "anomalous";
                thresholds: {
                    suspect: number;
                    anomalous: number;
                };
                margin: number;
                /** @enum {string} */
                nearestThreshold: "suspect" | "anomalous";
                disagreement: number;
                uncertainty: number;
                components: {
                    name: string;
                    calibrated: number;
                    weight: number;
                }[];
                regions: number;
                links: components["schemas"]["Links"];
            }[];
            unreviewed: number;
            scanned: number;
        };
        WebhookCreated: components["schemas"]["Webhook"] & {
            /** @description The signing secret, shown this once. */
            secret: string;
        };
        Webhook: {
            id: string;
            url: string;
            events: ("inspection.completed" | "inspection.failed" | "profile.updated")[];
            description?: string;
            createdAt: string;
            disabledReason?: string;
        };
        WebhookCreate: {
            /** @example https://lims.example.com/hooks/mmdo */
            url: string;
            /**
             * @default [
             *       "inspection.completed",
             *       "inspection.failed",
             *       "profile.updated"
             *     ]
             */
            events: ("inspection.completed" | "inspection.failed" | "profile.updated")[];
            description?: string;
        };
        WebhookList: {
            items: components["schemas"]["Webhook"][];
        };
        WebhookSecretRotated: components["schemas"]["WebhookCreated"] & {
            /** @description Until then deliveries carry a signature with each secret. */
            previousSecretExpiresAt: string;
        };
        WebhookSecretRotation: {
            /**
             * @description How long the old secret keeps signing beside the new one (default 24 h, at most 7 days).
             * @default 86400
             */
            overlapSeconds: number;
        };
        WebhookDeliveries: {
            items: {
                messageId: string;
                eventType: string;
                status: string;
                attempts: number;
                lastStatus: number | null;
                lastError: string | null;
                createdAt: string;
                updatedAt: string;
            }[];
        };
        Usage: {
            from: string;
            to: string;
            totals: {
                inspection?: number;
                enrolment_image?: number;
            };
            byProfile: {
                profile: string;
                /** @enum {string} */
                kind: "inspection" | "enrolment_image";
                quantity: number;
            }[];
            byDay: {
                day: string;
                /** @enum {string} */
                kind: "inspection" | "enrolment_image";
                quantity: number;
            }[];
        };
        InstrumentCreated: components["schemas"]["Instrument"] & {
            credentials: components["schemas"]["PresignedUpload"];
        };
        Instrument: {
            id: string;
            name: string;
            profile: string;
            profileVersion?: number;
            keyPrefix: string;
            createdAt: string;
            revokedAt?: string;
        };
        InstrumentCreate: {
            name: string;
            profile: string;
            profileVersion?: number;
        };
        InstrumentList: {
            items: components["schemas"]["Instrument"][];
        };
        InstrumentCredentials: {
            credentials: components["schemas"]["PresignedUpload"];
        };
        ApiKeyCreated: components["schemas"]["ApiKey"] & {
            /** @description The key, shown this once: store it as a secret. */
            key: string;
        };
        ApiKey: {
            id: string;
            name: string;
            scopes: ("read" | "inspect" | "admin")[];
            createdAt: string;
            revokedAt?: string;
        };
        ApiKeyCreate: {
            name: string;
            scopes: ("read" | "inspect" | "admin")[];
        };
        ApiKeyList: {
            items: components["schemas"]["ApiKey"][];
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    health: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The service is up. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Health"];
                };
            };
            /** @description The key lacks the scope, or the request came from another site or host. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    openapi: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The OpenAPI 3.1 document of this API. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        [key: string]: unknown;
                    };
                };
            };
            /** @description The key lacks the scope, or the request came from another site or host. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    detect: {
        parameters: {
            query?: {
                /** @description The profile to inspect with (default: the service's default profile). */
                profile?: string;
                /** @description A version of the profile (default: the active, else latest). */
                profileVersion?: number;
                /** @description µm per pixel, overriding the file and the sheet. */
                pixelSizeUm?: number;
                /** @description The image name recorded in the report. */
                name?: string;
            };
            header?: {
                /** @description Makes the POST safe to retry: the same key and body return the first answer; the same key with another body is 409. */
                "idempotency-key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        /** @description The image as the raw body, or multipart/form-data with `image` and an optional `metadata` JSON sheet. */
        requestBody: {
            content: {
                "image/png": string;
                "image/jpeg": string;
                "image/tiff": string;
                "application/octet-stream": string;
                "multipart/form-data": {
                    /**
                     * Format: binary
                     * @description The image (PNG, JPEG, TIFF; 8 or 16 bit).
                     */
                    image: string;
                    /** @description The synthesis sheet as a JSON object (validated on entry). */
                    metadata?: string;
                    profile?: string;
                    profileVersion?: number;
                    pixelSizeUm?: number;
                    name?: string;
                };
            };
        };
        responses: {
            /** @description The report (completed or failed) with links to its images. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Report"];
                };
            };
            /** @description Too large to answer at once: queued; poll `links.self`. */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Accepted"];
                };
            };
            /** @description Invalid request (the problem names the fields). */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No valid API key. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The key lacks the scope, or the request came from another site or host. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found (or not this tenant's). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict: not ready yet (or not in the state the call needs), or an Idempotency-Key reused with another body. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body or image is larger than the documented limit. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported media type or image format. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The image cannot be read (empty, corrupt, truncated). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listInspections: {
        parameters: {
            query?: {
                /** @description Only reports of this batch (the sheet's batch id). */
                batch?: string;
                /** @description Only reports created at or after this time. */
                since?: string;
                limit?: number;
                /** @description The `next` cursor of the previous page. */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page; pass `next` as `cursor` for the next one. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ReportPage"];
                };
            };
            /** @description Invalid request (the problem names the fields). */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No valid API key. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The key lacks the scope, or the request came from another site or host. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    submitInspection: {
        parameters: {
            query?: {
                /** @description The profile to inspect with (default: the service's default profile). */
                profile?: string;
                /** @description A version of the profile (default: the active, else latest). */
                profileVersion?: number;
                /** @description µm per pixel, overriding the file and the sheet. */
                pixelSizeUm?: number;
                /** @description The image name recorded in the report. */
                name?: string;
            };
            header?: {
                /** @description Makes the POST safe to retry: the same key and body return the first answer; the same key with another body is 409. */
                "idempotency-key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        /** @description The image as the raw body, or multipart/form-data with `image` and an optional `metadata` JSON sheet. */
        requestBody: {
            content: {
                "image/png": string;
                "image/jpeg": string;
                "image/tiff": string;
                "application/octet-stream": string;
                "multipart/form-data": {
                    /**
                     * Format: binary
                     * @description The image (PNG, JPEG, TIFF; 8 or 16 bit).
                     */
                    image: string;
                    /** @description The synthesis sheet as a JSON object (validated on entry). */
                    metadata?: string;
                    profile?: string;
                    profileVersion?: number;
                    pixelSizeUm?: number;
                    name?: string;
                };
            };
        };
        responses: {
            /** @description Queued. */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Accepted"];
                };
            };
            /** @description Invalid request (the problem names the fields). */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No valid API key. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The key lacks the scope, or the request came from another site or host. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found (or not this tenant's). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict: not ready yet (or not in the state the call needs), or an Idempotency-Key reused with another body. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body or image is larger than the documented limit. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported media type or image format. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The image cannot be read (empty, corrupt, truncated). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    createUpload: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes the POST safe to retry: the same key and body return the first answer; the same key with another body is 409. */
                "idempotency-key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["UploadRequest"];
            };
        };
        responses: {
            /** @description The slot and how to upload into it. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UploadSlot"];
                };
            };
            /** @description Invalid request (the problem names the fields). */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No valid API key. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The key lacks the scope, or the request came from another site or host. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found (or not this tenant's). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict: not ready yet (or not in the state the call needs), or an Idempotency-Key reused with another body. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body or image is larger than the documented limit. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported media type or image format. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getInspection: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The report, or the pending inspection (status queued or running, with `Retry-After`). */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Report"] | components["schemas"]["PendingInspection"];
                };
            };
            /** @description No valid API key. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The key lacks the scope, or the request came from another site or host. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found (or not this tenant's). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listFeedback: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The judgements, the report's first. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["FeedbackList"];
                };
            };
            /** @description No valid API key. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The key lacks the scope, or the request came from another site or host. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found (or not this tenant's). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    recordFeedback: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes the POST safe to retry: the same key and body return the first answer; the same key with another body is 409. */
                "idempotency-key"?: string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["FeedbackRequest"];
            };
        };
        responses: {
            /** @description A judgement that replaced an earlier one, or the same one again. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["FeedbackRecorded"];
                };
            };
            /** @description The first judgement of this target. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["FeedbackRecorded"];
                };
            };
            /** @description Invalid request (the problem names the fields). */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No valid API key. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The key lacks the scope, or the request came from another site or host. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found (or not this tenant's). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict: not ready yet (or not in the state the call needs), or an Idempotency-Key reused with another body. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body or image is larger than the documented limit. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported media type or image format. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getArtifact: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
                artifact: "heatmap.png" | "overlay.png" | "phases.png" | "micrograph.png";
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The PNG (local service). */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "image/png": string;
                };
            };
            /** @description A short-lived link to the PNG (cloud). */
            302: {
                headers: {
                    Location?: string;
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description No valid API key. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The key lacks the scope, or the request came from another site or host. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found (or not this tenant's). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict: not ready yet (or not in the state the call needs), or an Idempotency-Key reused with another body. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listProfiles: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The tenant's profiles. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ProfileList"];
                };
            };
            /** @description No valid API key. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The key lacks the scope, or the request came from another site or host. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    createProfile: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes the POST safe to retry: the same key and body return the first answer; the same key with another body is 409. */
                "idempotency-key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ProfileCreate"];
            };
        };
        responses: {
            /** @description The enrolment, awaiting its uploads. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ProfileJob"];
                };
            };
            /** @description Invalid request (the problem names the fields). */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No valid API key. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The key lacks the scope, or the request came from another site or host. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict: not ready yet (or not in the state the call needs), or an Idempotency-Key reused with another body. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body or image is larger than the documented limit. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported media type or image format. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getProfile: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The profile. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Profile"];
                };
            };
            /** @description No valid API key. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The key lacks the scope, or the request came from another site or host. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found (or not this tenant's). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    deleteProfile: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted. */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description No valid API key. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The key lacks the scope, or the request came from another site or host. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found (or not this tenant's). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listProfileVersions: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The versions. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ProfileVersions"];
                };
            };
            /** @description No valid API key. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The key lacks the scope, or the request came from another site or host. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found (or not this tenant's). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listEnrolledImages: {
        parameters: {
            query?: {
                /** @description Only the memory-bank images, or only the held-out calibration images. */
                role?: "bank" | "calibration";
                limit?: number;
                /** @description The `next` cursor of the previous page. */
                cursor?: string;
            };
            header?: never;
            path: {
                name: string;
                version: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page in enrolment order; pass `next` as `cursor` for the next one. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["EnrolledImagePage"];
                };
            };
            /** @description Invalid request (the problem names the fields). */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No valid API key. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The key lacks the scope, or the request came from another site or host. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found (or not this tenant's). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getEnrolledThumbnail: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
                version: number;
                /** @description The image's content hash (from the list). */
                sha256: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The PNG (local service). */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "image/png": string;
                };
            };
            /** @description A short-lived link to the PNG (cloud). */
            302: {
                headers: {
                    Location?: string;
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Invalid request (the problem names the fields). */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No valid API key. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The key lacks the scope, or the request came from another site or host. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found (or not this tenant's). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getCalibrationFigures: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
                version: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The figures. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CalibrationFigures"];
                };
            };
            /** @description No valid API key. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The key lacks the scope, or the request came from another site or host. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found (or not this tenant's). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    activateProfileVersion: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ProfileActivation"];
            };
        };
        responses: {
            /** @description The profile with its active version. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Profile"];
                };
            };
            /** @description Invalid request (the problem names the fields). */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No valid API key. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The key lacks the scope, or the request came from another site or host. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found (or not this tenant's). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body or image is larger than the documented limit. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported media type or image format. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    createEnrolment: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes the POST safe to retry: the same key and body return the first answer; the same key with another body is 409. */
                "idempotency-key"?: string;
            };
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["EnrolmentRequest"];
            };
        };
        responses: {
            /** @description The enrolment, awaiting its uploads. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ProfileJob"];
                };
            };
            /** @description Invalid request (the problem names the fields). */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No valid API key. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The key lacks the scope, or the request came from another site or host. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found (or not this tenant's). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict: not ready yet (or not in the state the call needs), or an Idempotency-Key reused with another body. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body or image is larger than the documented limit. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported media type or image format. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getEnrolment: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The enrolment (`Retry-After` while it is queued or running). */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ProfileJob"];
                };
            };
            /** @description No valid API key. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The key lacks the scope, or the request came from another site or host. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found (or not this tenant's). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    startEnrolment: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes the POST safe to retry: the same key and body return the first answer; the same key with another body is 409. */
                "idempotency-key"?: string;
            };
            path: {
                name: string;
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Queued; poll `links.self`. */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ProfileJob"];
                };
            };
            /** @description No valid API key. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The key lacks the scope, or the request came from another site or host. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found (or not this tenant's). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict: not ready yet (or not in the state the call needs), or an Idempotency-Key reused with another body. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listLabels: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The labelled reports, by report id. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["LabelledSet"];
                };
            };
            /** @description No valid API key. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The key lacks the scope, or the request came from another site or host. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found (or not this tenant's). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    createRecalibration: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes the POST safe to retry: the same key and body return the first answer; the same key with another body is 409. */
                "idempotency-key"?: string;
            };
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["RecalibrationRequest"];
            };
        };
        responses: {
            /** @description Queued. */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ProfileJob"];
                };
            };
            /** @description Invalid request (the problem names the fields). */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No valid API key. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The key lacks the scope, or the request came from another site or host. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found (or not this tenant's). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict: not ready yet (or not in the state the call needs), or an Idempotency-Key reused with another body. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body or image is larger than the documented limit. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported media type or image format. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getRecalibration: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The recalibration (`Retry-After` while it is queued or running). */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ProfileJob"];
                };
            };
            /** @description No valid API key. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The key lacks the scope, or the request came from another site or host. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found (or not this tenant's). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    reviewQueue: {
        parameters: {
            query?: {
                /** @description Only reports of this profile. */
                profile?: string;
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The queue. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ReviewQueue"];
                };
            };
            /** @description Invalid request (the problem names the fields). */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No valid API key. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The key lacks the scope, or the request came from another site or host. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listWebhooks: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The tenant's subscriptions. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookList"];
                };
            };
            /** @description No valid API key. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The key lacks the scope, or the request came from another site or host. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    createWebhook: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes the POST safe to retry: the same key and body return the first answer; the same key with another body is 409. */
                "idempotency-key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["WebhookCreate"];
            };
        };
        responses: {
            /** @description Subscribed; keep the secret. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookCreated"];
                };
            };
            /** @description Invalid request (the problem names the fields). */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No valid API key. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The key lacks the scope, or the request came from another site or host. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict: not ready yet (or not in the state the call needs), or an Idempotency-Key reused with another body. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body or image is larger than the documented limit. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported media type or image format. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The image cannot be read (empty, corrupt, truncated). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getWebhook: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The subscription. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Webhook"];
                };
            };
            /** @description No valid API key. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The key lacks the scope, or the request came from another site or host. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found (or not this tenant's). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    deleteWebhook: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted. */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description No valid API key. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The key lacks the scope, or the request came from another site or host. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found (or not this tenant's). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    rotateWebhookSecret: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes the POST safe to retry: the same key and body return the first answer; the same key with another body is 409. */
                "idempotency-key"?: string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["WebhookSecretRotation"];
            };
        };
        responses: {
            /** @description Rotated; keep the new secret. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookSecretRotated"];
                };
            };
            /** @description Invalid request (the problem names the fields). */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No valid API key. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The key lacks the scope, or the request came from another site or host. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found (or not this tenant's). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict: not ready yet (or not in the state the call needs), or an Idempotency-Key reused with another body. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body or image is larger than the documented limit. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported media type or image format. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listWebhookDeliveries: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deliveries with their attempts and last status. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookDeliveries"];
                };
            };
            /** @description No valid API key. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The key lacks the scope, or the request came from another site or host. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found (or not this tenant's). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getUsage: {
        parameters: {
            query?: {
                /** @description Start (inclusive); default: the start of this month (UTC). */
                from?: string;
                /** @description End (exclusive); default: now. */
                to?: string;
                /** @description `csv`: every usage record as CSV. */
                format?: "json" | "csv";
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The summary (JSON) or the records (CSV). */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Usage"];
                    "text/csv": string;
                };
            };
            /** @description Invalid request (the problem names the fields). */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No valid API key. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The key lacks the scope, or the request came from another site or host. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listInstruments: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The instruments. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["InstrumentList"];
                };
            };
            /** @description No valid API key. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The key lacks the scope, or the request came from another site or host. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    createInstrument: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes the POST safe to retry: the same key and body return the first answer; the same key with another body is 409. */
                "idempotency-key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["InstrumentCreate"];
            };
        };
        responses: {
            /** @description The instrument and its first credentials. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["InstrumentCreated"];
                };
            };
            /** @description Invalid request (the problem names the fields). */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No valid API key. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The key lacks the scope, or the request came from another site or host. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found (or not this tenant's). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict: not ready yet (or not in the state the call needs), or an Idempotency-Key reused with another body. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body or image is larger than the documented limit. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported media type or image format. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    renewInstrumentCredentials: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Fresh credentials. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["InstrumentCredentials"];
                };
            };
            /** @description No valid API key. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The key lacks the scope, or the request came from another site or host. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found (or not this tenant's). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict: not ready yet (or not in the state the call needs), or an Idempotency-Key reused with another body. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    revokeInstrument: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Revoked. */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description No valid API key. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The key lacks the scope, or the request came from another site or host. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found (or not this tenant's). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listKeys: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The keys. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiKeyList"];
                };
            };
            /** @description No valid API key. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The key lacks the scope, or the request came from another site or host. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    createKey: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes the POST safe to retry: the same key and body return the first answer; the same key with another body is 409. */
                "idempotency-key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ApiKeyCreate"];
            };
        };
        responses: {
            /** @description The new key; only its hash is stored. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiKeyCreated"];
                };
            };
            /** @description Invalid request (the problem names the fields). */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No valid API key. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The key lacks the scope, or the request came from another site or host. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict: not ready yet (or not in the state the call needs), or an Idempotency-Key reused with another body. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body or image is larger than the documented limit. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported media type or image format. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    revokeKey: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Revoked. */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description No valid API key. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The key lacks the scope, or the request came from another site or host. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found (or not this tenant's). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
}
