import { describe, expect, it } from 'vitest';
import { setup } from '../support/app.js';

describe('GET /assets/pages.css', () => {
  it('serves the stylesheet the pages link to', async () => {
    const { app } = setup();
    const response = await app.request('/assets/pages.css');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/css');
  });
});
