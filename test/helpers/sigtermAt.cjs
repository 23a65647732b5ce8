// Preloaded into a program under test (NODE_OPTIONS=--require <this file>): the moment the
// program writes output matching the regular expression in SIGTERM_AT, it is sent SIGTERM,
// just after that write. A program listening for SIGTERM handles it on its next turn and
// stops the way it should; one that starts listening only later is killed by the signal at
// once. This is the worst moment a supervisor or a test can choose: it saw the line that
// says the program runs and stops it straight away.
const fs = require('node:fs');

const pattern = new RegExp(process.env.SIGTERM_AT ?? '(?!)');
let sent = false;
function check(chunk) {
  if (sent || !pattern.test(String(chunk))) return;
  sent = true;
  process.kill(process.pid, 'SIGTERM');
}

// pino writes with fs.write (or fs.writeSync); process.stdout.write is the other way out.
for (const name of ['write', 'writeSync']) {
  const original = fs[name];
  fs[name] = function (fd, buffer, ...rest) {
    const result = original.call(this, fd, buffer, ...rest);
    if (fd === 1 || fd === 2) check(buffer);
    return result;
  };
}
for (const stream of [process.stdout, process.stderr]) {
  const write = stream.write;
  stream.write = function (chunk, ...rest) {
    const result = write.call(this, chunk, ...rest);
    check(chunk);
    return result;
  };
}
