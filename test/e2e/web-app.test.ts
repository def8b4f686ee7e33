// The web app in a real Chromium against a real server process: two people chatting live, threads,
// reactions, a bot command through the autocomplete, a job card updating live, search, XSS payloads
// rendered inert, and a server restart under an open page. Screenshots go to test/e2e/artifacts/.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually } from '../support/eventually.js';
import { AppPage, visible } from './support/app-page.js';
import { type Browser, openBrowser, screenshot } from './support/browser.js';
import { type E2eServer, startE2eServer } from './support/e2e-server.js';
import { ensureWebBuild } from './support/web-build.js';

const XSS = `<img src=x onerror="alert('xss')"><script>alert('xss2')</script>`;

describe('the web app in Chromium', { timeout: 240_000 }, () => {
  let server: E2eServer;
  let aliceBrowser: Browser;
  let bobBrowser: Browser;
  let alice: AppPage;
  let bob: AppPage;

  before(async () => {
    ensureWebBuild();
    server = await startE2eServer(['alice', 'bob']);
    await server.api('POST', '/api/rooms', {
      name: 'ops',
      topic: 'Production operations',
      members: ['alice', 'bob'],
    });
    await server.api('POST', '/api/rooms/ops/messages', { text: 'Welcome to **#ops**. Deploys go here.' });
    await server.api('POST', '/api/rooms', { name: 'alerts', members: ['alice', 'bob'] });
    [aliceBrowser, bobBrowser] = await Promise.all([openBrowser(), openBrowser()]);
    alice = new AppPage(aliceBrowser.page, server.url);
    bob = new AppPage(bobBrowser.page, server.url);
    await bobBrowser.page.goto(server.url);
    await bobBrowser.page.getByTestId('login-form').waitFor();
    await screenshot(bobBrowser.page, '00-sign-in');
    await alice.signIn('alice');
    await bob.signIn('bob');
    await alice.openRoom('ops');
    await bob.openRoom('ops');
  });

  after(async () => {
    await aliceBrowser?.close();
    await bobBrowser?.close();
    await server?.dispose();
  });

  test('first run: the printed setup link sets the admin password and signs in', async () => {
    const token = [...server.output().matchAll(/\/setup\?token=(\S+)/g)].at(-1)?.[1];
    assert.ok(token, `no setup link in the server output:\n${server.output()}`);
    const admin = await openBrowser();
    try {
      await admin.page.goto(`${server.url}/setup?token=${token}`);
      const form = await visible(admin.page.getByTestId('setup-form'), 'the setup form');
      await screenshot(admin.page, '00-first-run-setup');
      await form.locator('input[name=password]').fill('a long admin passphrase');
      await form.locator('input[name=password-again]').fill('a long admin passphrase');
      await admin.page.getByTestId('setup-submit').click();
      await visible(admin.page.getByTestId('sidebar'), 'the app after setup');
      assert.match((await admin.page.getByTestId('me-username').textContent()) ?? '', /admin/i);
    } finally {
      await admin.close();
    }
  });

  test('a message appears live in the other browser', async () => {
    await alice.send('hello from alice, is the api healthy?');
    await visible(bob.message('hello from alice, is the api healthy?'), "alice's message in bob's browser");
    await screenshot(bob.page, '01-live-message-bob');
  });

  test('a reply in a thread', async () => {
    const root = bob.message('hello from alice, is the api healthy?').first();
    await root.hover();
    await root.getByTestId('reply-button').click();
    const threadComposer = await visible(bob.page.getByTestId('thread-composer'), 'the thread composer');
    await threadComposer.fill('yes, p99 is 40 ms');
    await threadComposer.press('Enter');
    const replies = alice.message('hello from alice, is the api healthy?').getByTestId('thread-replies');
    await visible(replies, 'the reply count under the root message in alice’s browser');
    await replies.first().click();
    await visible(alice.page.getByText('yes, p99 is 40 ms'), 'the reply in alice’s thread panel');
    await screenshot(alice.page, '02-thread-alice');
    // Esc closes the thread panel (issue 4: "Esc closes panels").
    for (const app of [alice, bob]) {
      await app.page.keyboard.press('Escape');
      await app.page.getByTestId('thread-composer').waitFor({ state: 'detached' });
    }
  });

  test('a reaction shows up for the other person', async () => {
    const message = alice.message('hello from alice, is the api healthy?').first();
    await message.hover();
    await message.getByTestId('react-button').click();
    await alice.page.getByTestId('emoji-option').first().click();
    const reaction = bob.message('hello from alice, is the api healthy?').getByTestId('reaction');
    await visible(reaction, 'the reaction in bob’s browser');
    assert.match((await reaction.first().textContent()) ?? '', /1/);
  });

  test('unread and mention badges in the sidebar, cleared by opening the room', async () => {
    await server.api('POST', '/api/rooms/alerts/messages', { text: '@bob disk 91% full on db-3' });
    await server.api('POST', '/api/rooms/alerts/messages', { text: 'and 93% now' });
    const link = bob.page.getByTestId('room-link-alerts');
    await eventually(async () => ((await link.textContent()) ?? '').includes('1'), 15_000);
    await visible(link.getByTestId('mention-badge'), 'the mention badge on #alerts');
    await screenshot(bob.page, '03a-unread-badges');
    await link.click();
    await visible(bob.message('and 93% now'), 'the alerts in #alerts');
    await eventually(async () => (await link.getByTestId('mention-badge').count()) === 0, 15_000);
    assert.equal(await link.getByTestId('unread-badge').count(), 0);
    await bob.openRoom('ops');
  });

  test('/ping through the command autocomplete, with the bot’s reply', async () => {
    const composer = alice.page.getByTestId('composer');
    await composer.fill('');
    await composer.pressSequentially('/pin');
    const menu = await visible(alice.page.getByTestId('command-autocomplete'), 'the command autocomplete');
    const item = await visible(
      menu.getByTestId('autocomplete-item').filter({ hasText: 'ping' }),
      'ping in the menu',
    );
    await screenshot(alice.page, '03-command-autocomplete');
    await item.click();
    assert.match(await composer.inputValue(), /^\/ping\s*$/);
    await composer.press('Enter');
    await visible(alice.message(/pong/i), 'the bot’s pong');
  });

  test('a card button runs a command whose job card updates live', async () => {
    await server.api('POST', '/api/rooms/ops/messages', {
      text: '',
      card: {
        title: 'Nightly checks',
        text: 'Run the checks now?',
        color: 'info',
        fields: [{ title: 'Service', value: 'api', short: true }],
        buttons: [{ actionId: 'suggest.run', label: 'Run checks', style: 'primary', value: 'countdown 4' }],
      },
    });
    const button = await visible(alice.page.getByTestId('card-button-suggest.run'), 'the card button');
    await button.click();
    const output = alice.page.getByTestId('job-output').last();
    const seen = new Set<string>();
    await eventually(async () => {
      const text = (await output.textContent({ timeout: 1000 }).catch(() => '')) ?? '';
      if (text.trim() !== '') seen.add(text.trim());
      if (seen.size === 2) await screenshot(alice.page, '04-job-running');
      return /line 4 of 4/.test(text);
    }, 30_000);
    const status = alice.page.getByTestId('job-card').last().getByTestId('job-status');
    await eventually(async () => /succeeded/i.test((await status.textContent()) ?? ''), 15_000);
    assert.ok(seen.size >= 2, `the output changed in place while the job ran: ${[...seen].join(' | ')}`);
    await screenshot(alice.page, '05-job-done');
  });

  test('search finds a message and jumps to it', async () => {
    await alice.send('the flux capacitor on db-7 is at 88%');
    for (let i = 0; i < 40; i++)
      await server.api('POST', '/api/rooms/ops/messages', { text: `filler line ${i} to push history up` });
    await visible(bob.message('filler line 39'), 'the filler in bob’s browser');
    await bob.page.getByTestId('search-button').click();
    const input = await visible(bob.page.getByTestId('search-input'), 'the search box');
    await input.fill('capacitor');
    await input.press('Enter');
    const hit = await visible(
      bob.page.getByTestId('search-hit').filter({ hasText: 'capacitor' }),
      'the search hit',
    );
    await screenshot(bob.page, '06-search');
    await hit.click();
    const target = bob.message('the flux capacitor on db-7 is at 88%');
    await visible(target, 'the found message in its room');
    // Jumped to: inside the visible part of the message list, not just somewhere in the DOM.
    const list = (await bob.page.getByTestId('message-list').boundingBox())!;
    await eventually(async () => {
      const box = await target.first().boundingBox();
      return box !== null && box.y >= list.y - 1 && box.y + box.height <= list.y + list.height + 1;
    });
    await screenshot(bob.page, '07-search-jump');
    await bob.page.keyboard.press('Escape');
    await bob.toLatest();
  });

  test('XSS in a message, a room topic, a card and a file name stays text', async () => {
    await server.api('PATCH', '/api/rooms/ops', { topic: `topic ${XSS}` });
    await alice.send(`message ${XSS} [click me](javascript:alert('link'))`);
    await server.api('POST', '/api/rooms/ops/messages', {
      text: '',
      card: {
        title: `card ${XSS}`,
        text: `card text ${XSS}`,
        fields: [{ title: `field ${XSS}`, value: `value ${XSS}` }],
        code: { content: `code ${XSS}` },
        footer: `footer ${XSS}`,
      },
    });
    await alice.page.getByTestId('file-input').setInputFiles({
      name: `file <img src=x onerror=alert('file')>.txt`,
      mimeType: 'text/html',
      buffer: Buffer.from('<script>alert(1)</script>'),
    });
    for (const app of [alice, bob]) {
      await visible(app.message(/message <img src=x/), 'the message payload as text');
      await visible(
        app.page.getByTestId('file-attachment').filter({ hasText: '<img src=x' }),
        'the file name as text',
      );
      await visible(app.page.getByText(/topic <img src=x/), 'the topic payload as text');
      await visible(
        app.page.getByTestId('card').filter({ hasText: 'value <img src=x' }),
        'the card payload as text',
      );
      // A string, evaluated in the page: this project's type check has no DOM library.
      const injected = await app.page.evaluate(`({
        imgs: document.querySelectorAll('img[src="x"]').length,
        inlineScripts: [...document.querySelectorAll('script')].filter((s) => !s.src).length,
        jsLinks: [...document.querySelectorAll('a')].filter((a) => a.href.startsWith('javascript:')).length,
        onerror: document.querySelectorAll('[onerror]').length,
      })`);
      assert.deepEqual(injected, { imgs: 0, inlineScripts: 0, jsLinks: 0, onerror: 0 });
    }
    // The file downloads under its (sanitised) name, as bytes, without running anything.
    const [download] = await Promise.all([
      bob.page.waitForEvent('download'),
      bob.page.getByTestId('file-attachment').filter({ hasText: '<img src=x' }).first().click(),
    ]);
    // Chromium swaps the characters a file system dislikes (< >) for '_' itself.
    assert.match(download.suggestedFilename(), /^file .img src=x onerror=alert\('file'\).\.txt$/);
    const chunks: Buffer[] = [];
    for await (const chunk of (await download.createReadStream()) as AsyncIterable<Buffer>)
      chunks.push(chunk);
    assert.equal(Buffer.concat(chunks).toString(), '<script>alert(1)</script>');
    await alice.page.waitForTimeout(500);
    assert.deepEqual(aliceBrowser.dialogs, []);
    assert.deepEqual(bobBrowser.dialogs, []);
    await screenshot(bob.page, '08-xss-inert');
  });

  test('the server restarts under an open page: it reconnects and shows what was posted meanwhile', async () => {
    await eventually(async () => (await bob.connectionState()) === 'open');
    await server.stop();
    await eventually(async () => (await bob.connectionState()) !== 'open', 15_000);
    // Posted while the server is down (through the database, as `opsroom --offline say` does): the page
    // can only learn of them by resuming from its last seq after reconnecting.
    for (const text of ['posted while you were away 1', 'posted while you were away 2'])
      await server.postOffline('alice', 'ops', text);
    await screenshot(bob.page, '09-disconnected');
    await server.start();
    await eventually(async () => (await bob.connectionState()) === 'open', 30_000);
    await visible(
      bob.message('posted while you were away 2'),
      'the missed messages after reconnecting',
      30_000,
    );
    await visible(bob.message('posted while you were away 1'), 'the first missed message');
    await screenshot(bob.page, '10-reconnected');
  });

  test('narrow (375 px) and dark layouts, for the record', async () => {
    await alice.page.setViewportSize({ width: 375, height: 760 });
    await screenshot(alice.page, '11-narrow');
    await alice.page.setViewportSize({ width: 1280, height: 800 });
    await alice.page.getByTestId('theme-toggle').click();
    await screenshot(alice.page, '12-dark');
    assert.deepEqual(
      aliceBrowser.errors.filter((e) => /Content Security Policy|Refused to/i.test(e)),
      [],
      'no CSP violations',
    );
  });
});
