/**
 * PLACEHOLDER so that `npx cdk synth` can bundle the 'write-report' step (lib/handler-entries.ts). It does no work:
 * the handlers part of issue 5 replaces this file with the real middy + zod handler.
 */
export const handler = async (): Promise<never> => {
  const error = new Error("the 'write-report' step handler is not implemented yet (placeholder from the CDK work)");
  error.name = 'NotImplemented';
  throw error;
};
