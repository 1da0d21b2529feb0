// The smallest Redis client that does the job (RESP over a TCP socket), so the
// example needs no npm install. One command at a time: send, await the reply.
import net from 'node:net';

export async function connect(port = Number(process.env.REDIS_PORT ?? 6379)) {
  const sock = net.connect(port, '127.0.0.1');
  await new Promise((ok, fail) => sock.once('connect', ok).once('error', fail));
  let buf = '';
  const waiting = [];
  sock.setEncoding('utf8');
  sock.on('data', (d) => {
    buf += d;
    for (;;) {
      const r = parse(buf, 0);
      if (!r) break;
      buf = buf.slice(r.end);
      waiting.shift()?.(r.value);
    }
  });
  const cmd = (...args) =>
    new Promise((resolve) => {
      waiting.push(resolve);
      sock.write(`*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(String(a))}\r\n${a}\r\n`).join(''));
    });
  return { cmd, close: () => sock.end() };
}

function parse(s, i) {
  const eol = s.indexOf('\r\n', i);
  if (eol < 0) return null;
  const head = s[i],
    rest = s.slice(i + 1, eol);
  if (head === '+' || head === ':') return { value: head === ':' ? Number(rest) : rest, end: eol + 2 };
  if (head === '-') return { value: new Error(rest), end: eol + 2 };
  if (head === '$') {
    const n = Number(rest);
    if (n < 0) return { value: null, end: eol + 2 };
    if (s.length < eol + 2 + n + 2) return null;
    return { value: s.slice(eol + 2, eol + 2 + n), end: eol + 2 + n + 2 };
  }
  if (head === '*') {
    const n = Number(rest),
      out = [];
    if (n < 0) return { value: null, end: eol + 2 }; // BRPOP timed out
    let at = eol + 2;
    for (let k = 0; k < n; k++) {
      const r = parse(s, at);
      if (!r) return null;
      out.push(r.value);
      at = r.end;
    }
    return { value: out, end: at };
  }
  throw new Error(`unexpected reply: ${s.slice(i, i + 20)}`);
}
