import { describe, expect, it } from 'vitest';
import { setup } from '../support/app.js';

describe('GET /health', () => {
  it('answers ok', async () => {
    const { app } = setup();
    const response = await app.request('/health');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
  });
});
