// Records a hash of the sources the build was made from (src/, style/) next to the built
// extension, so the tests can tell when the committed build is stale. The Python side
// (tests/test_labextension.py) computes the same hash.
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

const files = ['src', 'style']
  .flatMap(dir => fs.readdirSync(path.join(__dirname, dir)).map(f => `${dir}/${f}`))
  .sort();
const hash = crypto.createHash('sha256');
for (const f of files) {
  hash.update(f + '\0');
  hash.update(fs.readFileSync(path.join(__dirname, f)));
  hash.update('\0');
}
fs.writeFileSync(path.join(__dirname, 'cellax_labextension', 'sources.sha256'),
  hash.digest('hex') + '\n');
