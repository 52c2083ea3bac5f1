/** One request an SDK client sent: its service, operation and input. */
export interface AwsRequest {
  client: string;
  command: string;
  input: Record<string, unknown>;
}

interface MiddlewareClient {
  middlewareStack: {
    add(
      middleware: (
        next: (args: { input: unknown }) => Promise<unknown>,
        context: { clientName?: string; commandName?: string },
      ) => (args: { input: unknown }) => Promise<unknown>,
      options: { step: 'initialize'; name?: string },
    ): void;
  };
}

/** Records every request `client` sends into `into`. */
export function recordRequests(client: { middlewareStack: unknown }, into: AwsRequest[]): void {
  (client as MiddlewareClient).middlewareStack.add(
    (next, context) => async (args) => {
      into.push({
        client: context.clientName ?? '',
        command: (context.commandName ?? '').replace(/Command$/, ''),
        input: (args.input ?? {}) as Record<string, unknown>,
      });
      return next(args);
    },
    { step: 'initialize', name: 'recordRequests' },
  );
}
