import type { Locator, Page } from 'playwright-core';
import { PASSWORD } from './e2e-server.js';

/** What a person does in the web app, in the app's own terms (its data-testids and labels). */
export class AppPage {
  constructor(
    readonly page: Page,
    readonly baseUrl: string,
  ) {}

  async signIn(username: string): Promise<void> {
    await this.page.goto(this.baseUrl);
    const form = this.page.getByTestId('login-form');
    await form.locator('input[name=username]').fill(username);
    await form.locator('input[name=password]').fill(PASSWORD);
    await this.page.getByTestId('login-submit').click();
    await this.page.getByTestId('sidebar').waitFor();
  }

  async openRoom(name: string): Promise<void> {
    await this.page.getByTestId(`room-link-${name}`).click();
    await this.page.getByTestId('composer').waitFor();
  }

  messages(): Locator {
    return this.page.getByTestId('message-list').getByTestId('message');
  }

  message(text: string | RegExp): Locator {
    return this.messages().filter({ hasText: text });
  }

  /** Types into the room's composer and sends with Enter. */
  async send(text: string): Promise<void> {
    const composer = this.page.getByTestId('composer');
    await composer.fill(text);
    await composer.press('Enter');
  }

  /** Back to the newest messages (the list keeps its place while you read further up). */
  async toLatest(): Promise<void> {
    const latest = this.page.getByTestId('jump-latest');
    if (await latest.isVisible()) await latest.click();
    await latest.waitFor({ state: 'hidden' });
  }

  async connectionState(): Promise<string | null> {
    return this.page.getByTestId('connection').getAttribute('data-state');
  }
}

/** Resolves when the locator's first match is visible; the error says what was awaited. */
export async function visible(locator: Locator, what: string, timeout = 15_000): Promise<Locator> {
  try {
    await locator.first().waitFor({ state: 'visible', timeout });
  } catch (error) {
    throw new Error(`not visible: ${what}\n${(error as Error).message}`);
  }
  return locator.first();
}
