// A stand-in for an LLM provider: a local HTTP server that speaks the OpenAI Chat Completions
// wire format exactly — `POST /v1/chat/completions` with `stream: true` answered as
// `text/event-stream` (`data: <chunk>\n\n` … `data: [DONE]\n\n`), text in `delta.content`,
// tool calls in `delta.tool_calls` pieces by index, `finish_reason`; errors as
// `{"error": {"message", "type", "code"}}` with their status; and a hanging answer for
// timeouts. Each test scripts the answers in order and reads back the requests it got.
//
//   const llm = await startLlm();
//   llm.script(toolCall('call_1', 'open_ticket', {...}), text('I opened TKT-1.'));
//   llm.script(toolCalls([{ id, name, args }, …]), …);   // several calls in one turn
//   llm.script(slowly(text('One ', 'word ', 'at ', 'a ', 'time.'), 250));
//   … llm.requests[0].body.messages …
//   await llm.stop();

import { createServer } from 'node:http';

/** An answer that streams `words` as content deltas, then `stop`. */
export function text(...words) {
  return { kind: 'stream', chunks: [
    ...words.map((w) => ({ choices: [{ index: 0, delta: { content: w }, finish_reason: null }] })),
    { choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
  ] };
}

/** An answer that calls `name` with `args`, its JSON arguments cut in two pieces. */
export function toolCall(id, name, args) {
  const json = JSON.stringify(args);
  const half = Math.floor(json.length / 2);
  return { kind: 'stream', chunks: [
    { choices: [{ index: 0, delta: { role: 'assistant', tool_calls: [{ index: 0, id, type: 'function', function: { name, arguments: json.slice(0, half) } }] }, finish_reason: null }] },
    { choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: json.slice(half) } }] }, finish_reason: null }] },
    { choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] },
  ] };
}

/**
 * An answer that makes several tool calls in one turn (parallel tool calls): `calls` is a list
 * of `{ id, name, args }`, each sent whole under its own index.
 */
export function toolCalls(calls) {
  const pieces = calls.map(({ id, name, args }, index) => ({ index, id, type: 'function', function: { name, arguments: JSON.stringify(args) } }));
  return { kind: 'stream', chunks: [
    { choices: [{ index: 0, delta: { role: 'assistant', tool_calls: pieces }, finish_reason: null }] },
    { choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] },
  ] };
}

/** The same answer streamed `ms` apart per chunk (instead of 20 ms): slow enough to watch. */
export function slowly(answer, ms) {
  return { ...answer, delayMs: ms };
}

/** An error answer, as OpenAI sends one. */
export function failure(status, message) {
  return { kind: 'error', status, body: { error: { message, type: 'server_error', code: null } } };
}

/** No answer at all (the client's timeout must end it). */
export function hang() {
  return { kind: 'hang' };
}

export async function startLlm() {
  const queue = [];
  const requests = [];
  const hanging = new Set();
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => { raw += c; });
    req.on('end', async () => {
      const body = raw ? JSON.parse(raw) : null;
      requests.push({ method: req.method, url: req.url, headers: req.headers, body });
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `Unknown route ${req.url}`, type: 'invalid_request_error' } }));
        return;
      }
      const next = queue.shift() ?? failure(500, 'no scripted answer left');
      if (next.kind === 'hang') {
        hanging.add(res);
        return;
      }
      if (next.kind === 'error') {
        res.writeHead(next.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(next.body));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      const base = { id: 'chatcmpl-test', object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model: body.model };
      for (const chunk of next.chunks) {
        res.write(`data: ${JSON.stringify({ ...base, ...chunk })}\n\n`);
        await new Promise((r) => setTimeout(r, next.delayMs ?? 20));
      }
      res.end('data: [DONE]\n\n');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    script: (...answers) => queue.push(...answers),
    stop: async () => {
      for (const res of hanging) res.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
