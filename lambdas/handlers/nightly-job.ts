// Placeholder until the pipeline lands: the CDK construct bundles this entry point.
export const handler = async (): Promise<void> => {
  throw new Error('not implemented yet');
};
