// Placeholder while lambdas/serve is written: replaced by the real handler in this change.
export const handler = async (): Promise<{ statusCode: number; body: string }> => ({
  statusCode: 503,
  body: '{"title":"not ready"}',
});
