import { deepStrictEqual, throws } from 'node:assert/strict';
import { expandHostKey, expandHostRange, parseHostAddress } from '../../src/inventory/host-range.js';

describe('inventory: host ranges', () => {
  it('expands numeric ranges, keeping the width of a leading zero', () => {
    deepStrictEqual(expandHostRange('arm-[01:03]'), ['arm-01', 'arm-02', 'arm-03']);
    deepStrictEqual(expandHostRange('web[8:11].lab'), ['web8', 'web9', 'web10', 'web11'].map((h) => `${h}.lab`));
    deepStrictEqual(expandHostRange('n[:2]'), ['n0', 'n1', 'n2']);
  });

  it('steps', () => {
    deepStrictEqual(expandHostRange('x-[0:20:5]'), ['x-0', 'x-5', 'x-10', 'x-15', 'x-20']);
    deepStrictEqual(expandHostRange('x-[01:10:3]'), ['x-01', 'x-04', 'x-07', 'x-10']);
  });

  it('walks letters', () => {
    deepStrictEqual(expandHostRange('rack[a:c]'), ['racka', 'rackb', 'rackc']);
    deepStrictEqual(expandHostRange('r[a:e:2]'), ['ra', 'rc', 're']);
    deepStrictEqual(expandHostRange('r[y:B]'), ['ry', 'rz', 'rA', 'rB']);
  });

  it('expands several ranges, left to right', () => {
    deepStrictEqual(expandHostRange('r[a:b]-n[1:2]'), ['ra-n1', 'ra-n2', 'rb-n1', 'rb-n2']);
  });

  it('refuses malformed ranges, saying what is wrong', () => {
    throws(() => expandHostRange('h[1]'), /begin:end/);
    throws(() => expandHostRange('h[1:]'), /end value/);
    throws(() => expandHostRange('h[01:100]'), /same number of digits/);
    throws(() => expandHostRange('h[c:a]'), /begin <= end/);
    throws(() => expandHostRange('h[1:x]'), /number or a single letter/);
    throws(() => expandHostRange('h[1:3:0]'), /step of 0/);
  });

  it('splits a port off host keys, as Ansible does', () => {
    deepStrictEqual(expandHostKey('web1:2222'), { names: ['web1'], port: 2222 });
    deepStrictEqual(expandHostKey('arm-[1:2]:2200'), { names: ['arm-1', 'arm-2'], port: 2200 });
    deepStrictEqual(expandHostKey('[2001:db8::1]:22'), { names: ['2001:db8::1'], port: 22 });
    deepStrictEqual(expandHostKey('2001:db8::1'), { names: ['2001:db8::1'], port: undefined });
    deepStrictEqual(expandHostKey('192.0.2.1:2022'), { names: ['192.0.2.1'], port: 2022 });
    deepStrictEqual(expandHostKey('plain'), { names: ['plain'], port: undefined });
    throws(() => expandHostKey('web:70000'), /the port in 'web:70000' must be from 1 to 65535/);
  });

  it('recognises addresses and host names', () => {
    deepStrictEqual(parseHostAddress('web-1.example.com'), { host: 'web-1.example.com', port: undefined });
    deepStrictEqual(parseHostAddress('web_'), undefined);
    deepStrictEqual(parseHostAddress('a:&b'), undefined);
  });
});
