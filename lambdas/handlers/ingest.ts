/**
 * PLACEHOLDER so that `npx cdk synth` can bundle the 'ingest' step (lib/handler-entries.ts). It does no work:
 * the handlers part of issue 5 replaces this file with the real middy + zod handler.
 */
export const handler = async (): Promise<never> => {
  const error = new Error("the 'ingest' step handler is not implemented yet (placeholder from the CDK work)");
  error.name = 'NotImplemented';
  throw error;
};
