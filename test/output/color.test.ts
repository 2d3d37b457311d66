import assert from 'node:assert/strict';
import { chooseOutputMode, useColor } from '../../src/output/index.js';
import { createPaint, stripAnsi } from '../../src/output/color.js';

const tty = { isTTY: true };
const pipe = { isTTY: false };

describe('output/color: useColor', () => {
  it('colors a terminal by default', () => {
    assert.equal(useColor(tty, { TERM: 'xterm-256color' }), true);
  });

  it('does not color when NO_COLOR has any non-empty value', () => {
    assert.equal(useColor(tty, { NO_COLOR: '1' }), false);
    assert.equal(useColor(tty, { NO_COLOR: 'false' }), false);
  });

  it('ignores an empty NO_COLOR, as no-color.org says', () => {
    assert.equal(useColor(tty, { NO_COLOR: '' }), true);
  });

  it('does not color a pipe or a dumb terminal', () => {
    assert.equal(useColor(pipe, {}), false);
    assert.equal(useColor(tty, { TERM: 'dumb' }), false);
  });

  it('FORCE_COLOR forces color on, even into a pipe and over NO_COLOR; 0 forces it off', () => {
    assert.equal(useColor(pipe, { FORCE_COLOR: '1' }), true);
    assert.equal(useColor(tty, { FORCE_COLOR: '1', NO_COLOR: '1' }), true);
    assert.equal(useColor(tty, { FORCE_COLOR: '0' }), false);
  });

  it('paints with SGR codes only when enabled', () => {
    assert.equal(createPaint(true)('green', 'ok'), '\u001b[0;32mok\u001b[0m');
    assert.equal(createPaint(false)('green', 'ok'), 'ok');
    assert.equal(stripAnsi(createPaint(true)('red', 'x')), 'x');
  });
});

describe('output/mode: chooseOutputMode', () => {
  it('gives JSON when asked, whatever the stream', () => {
    assert.equal(chooseOutputMode({ json: true, stream: tty, env: {} }), 'json');
  });
  it('gives the live view on a terminal, lines elsewhere', () => {
    assert.equal(chooseOutputMode({ json: false, stream: tty, env: {} }), 'live');
    assert.equal(chooseOutputMode({ json: false, stream: pipe, env: {} }), 'lines');
  });
  it('gives lines on a dumb terminal, which cannot redraw', () => {
    assert.equal(chooseOutputMode({ json: false, stream: tty, env: { TERM: 'dumb' } }), 'lines');
  });
});
