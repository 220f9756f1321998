/**
 * A scriptable HTTP proxy on 127.0.0.1 in front of s3rver, for the S3 faults s3rver cannot produce:
 * 500 InternalError, 503 SlowDown, a connection reset in the middle of a body, a stalled body. Requests
 * are forwarded untouched (Host header included, so SigV4 signatures still verify upstream); a rule
 * matching the method and object key replaces or breaks the answer, a limited number of times. Every
 * fault it injects is recorded, so a test can check its retry counts against what really happened.
 */
import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What to do to a matching request. */
export type FaultAction =
  /** Answer with an S3 error document and this status; the upstream is never asked. */
  | { readonly kind: 'error'; readonly status: 500 | 503; readonly code: 'InternalError' | 'SlowDown' }
  /** Forward the upstream's headers and the first `afterBytes` of its body, then reset the connection (TCP RST). */
  | { readonly kind: 'reset'; readonly afterBytes: number }
  /** Forward the upstream's headers and the first `afterBytes` of its body, then send nothing more. */
  | { readonly kind: 'stall'; readonly afterBytes: number };

export interface FaultRule {
  /** @default 'GET' */
  readonly method?: string;
  /** The object key (path-style URL without the bucket), exact or as a pattern. */
  readonly key: string | RegExp;
  /** How many matching requests get the fault; later ones pass. @default 1 */
  readonly times?: number;
  readonly action: FaultAction;
}

/** One fault the proxy injected. */
export interface InjectedFault {
  readonly method: string;
  readonly key: string;
  /** `InternalError`, `SlowDown`, `reset` or `stall`. */
  readonly fault: string;
}

export interface FaultProxy {
  /** `http://127.0.0.1:<port>`, for the S3 client's endpoint. */
  readonly url: string;
  /** Adds rules; they apply in the order added, each until its `times` are used up. */
  script(...rules: readonly FaultRule[]): void;
  /** Drops the rules not used up yet (what was injected stays recorded). */
  clearScript(): void;
  /** Every fault injected so far, in order. */
  readonly injected: readonly InjectedFault[];
  /** Method and key of every request seen, faulted or not. */
  readonly requests: ReadonlyArray<{ readonly method: string; readonly key: string }>;
  close(): Promise<void>;
}

const MESSAGES: Record<string, string> = {
  InternalError: 'We encountered an internal error. Please try again.',
  SlowDown: 'Please reduce your request rate.',
};

/** Starts a proxy on a free loopback port forwarding to `upstream` (e.g. s3rver's `http://127.0.0.1:<port>`). */
export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const target = new URL(upstream);
  const rules: Array<{ rule: FaultRule; left: number }> = [];
  const injected: InjectedFault[] = [];
  const requests: Array<{ method: string; key: string }> = [];
  const sockets = new Set<Socket>();

  const take = (method: string, key: string): FaultAction | undefined => {
    const hit = rules.find(
      ({ rule, left }) =>
        left > 0 &&
        (rule.method ?? 'GET') === method &&
        (typeof rule.key === 'string' ? rule.key === key : rule.key.test(key)),
    );
    if (!hit) return undefined;
    hit.left -= 1;
    return hit.rule.action;
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const method = req.method ?? 'GET';
    const key = objectKey(req.url ?? '/');
    requests.push({ method, key });
    const action = take(method, key);
    if (action?.kind === 'error') {
      injected.push({ method, key, fault: action.code });
      req.resume();
      const body =
        `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${action.code}</Code>` +
        `<Message>${MESSAGES[action.code]}</Message><RequestId>fault-proxy</RequestId></Error>`;
      res.writeHead(action.status, { 'content-type': 'application/xml', 'content-length': body.length });
      res.end(method === 'HEAD' ? undefined : body);
      return;
    }
    const forwarded = request(
      {
        host: target.hostname,
        port: target.port,
        method,
        path: req.url,
        headers: req.headers,
      },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        if (!action) {
          upstreamRes.pipe(res);
          return;
        }
        breakBody(upstreamRes, res, action, () => injected.push({ method, key, fault: action.kind }));
      },
    );
    forwarded.on('error', () => res.destroy());
    req.pipe(forwarded);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    script: (...added) => {
      for (const rule of added) rules.push({ rule, left: rule.times ?? 1 });
    },
    clearScript: () => {
      rules.length = 0;
    },
    injected,
    requests,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The object key of a path-style request (`/bucket/a/b.csv?x` → `a/b.csv`); '' for bucket-level requests. */
function objectKey(url: string): string {
  const path = new URL(url, 'http://proxy').pathname;
  const slash = path.indexOf('/', 1);
  return slash < 0 ? '' : decodeURIComponent(path.slice(slash + 1));
}

/**
 * Passes `afterBytes` of the upstream body, then resets the client connection or goes silent. A body
 * shorter than that passes whole: nothing was injected, and `injected` is not called.
 */
function breakBody(
  upstreamRes: IncomingMessage,
  res: ServerResponse,
  action: Extract<FaultAction, { kind: 'reset' | 'stall' }>,
  injected: () => void,
): void {
  let sent = 0;
  let broken = false;
  const breakNow = (): void => {
    injected();
    upstreamRes.destroy();
    // A stalled connection stays open until the client gives up (or the proxy closes).
    if (action.kind === 'reset') res.socket?.resetAndDestroy();
  };
  if (action.afterBytes <= 0) {
    broken = true;
    res.write('', breakNow);
    return;
  }
  upstreamRes.on('data', (chunk: Buffer) => {
    if (broken) return;
    const part = chunk.subarray(0, action.afterBytes - sent);
    sent += part.length;
    if (sent < action.afterBytes) {
      res.write(part);
      return;
    }
    broken = true;
    // Break only once these bytes have left, so the client really receives part of the body.
    res.write(part, breakNow);
  });
  upstreamRes.on('end', () => {
    if (!broken) res.end();
  });
}
