import { describe, expect, it } from 'vitest';
import { CursorRegistry } from '../cursors.js';
import { ServerProcess } from '../server-process.js';
import { Storage } from '../storage.js';
import { executeCommand } from './index.js';
import { SERVER_VERSION } from './server-info.js';

function server() {
  const state = { storage: new Storage(), cursors: new CursorRegistry(), process: new ServerProcess() };
  const run = (command: Record<string, unknown>, database = 'admin') => executeCommand(state, { command, database, connectionId: 1 });
  return { state, run };
}

describe('diagnostic commands', () => {
  it('serverStatus counts connections opened and closed, and reports the port unless it is 27017', () => {
    const { state, run } = server();
    state.process.listeningOn(40001);
    state.process.connectionOpened();
    state.process.connectionOpened();
    state.process.connectionClosed();
    const status = run({ serverStatus: 1 });
    expect(status).toMatchObject({ version: SERVER_VERSION, process: 'mongod', ok: 1, connections: { current: 1, totalCreated: 2 } });
    expect(status.host).toMatch(/:40001$/);
    state.process.listeningOn(27017);
    expect(run({ serverStatus: 1 }).host).not.toMatch(/:/);
  });

  it('getParameter answers featureCompatibilityVersion and refuses what it cannot answer truthfully', () => {
    const { run } = server();
    expect(run({ getParameter: 1, featureCompatibilityVersion: 1, comment: 'x' })).toEqual({ featureCompatibilityVersion: { version: '7.0' }, ok: 1 });
    expect(run({ getParameter: 1, authenticationMechanisms: 1 })).toMatchObject({ ok: 0, code: 238 });
    expect(run({ getParameter: '*' })).toMatchObject({ ok: 0, code: 238 });
    expect(run({ getParameter: 1, featureCompatibilityVersion: 1 }, 'app')).toMatchObject({ ok: 0, code: 13, codeName: 'Unauthorized' });
  });

  it('answers NoReplicationEnabled to replSetGetStatus, and NotImplemented to commands MongoDB has but it does not', () => {
    const { run } = server();
    expect(run({ replSetGetStatus: 1 })).toMatchObject({ ok: 0, code: 76, codeName: 'NoReplicationEnabled' });
    for (const name of ['dbStats', 'collStats', 'collMod']) expect(run({ [name]: 'c' }, 'app')).toMatchObject({ ok: 0, code: 238 });
  });
});

describe('create options', () => {
  it('keeps harmless options, refuses what it would get wrong (238) and unknown fields (40415)', () => {
    const { state, run } = server();
    expect(run({ create: 'kept', validationLevel: 'moderate', comment: 'x' }, 'app')).toEqual({ ok: 1 });
    expect(state.storage.find('app', 'kept')?.options).toEqual({ validationLevel: 'moderate' });
    expect(run({ create: 'validated', validator: { a: 1 } }, 'app')).toMatchObject({ ok: 0, code: 238 });
    expect(run({ create: 'capped', capped: true, size: 1 }, 'app')).toMatchObject({ ok: 0, code: 238 });
    expect(run({ create: 'typo', cappd: true }, 'app')).toMatchObject({ ok: 0, code: 40415, errmsg: "BSON field 'create.cappd' is an unknown field." });
    expect(state.storage.collections('app').map((collection) => collection.name)).toEqual(['kept']);
  });
});
