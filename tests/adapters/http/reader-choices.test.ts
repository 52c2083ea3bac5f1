import { describe, expect, it } from 'vitest';
import { zoneOptions } from '../../../lambdas/adapters/http/reader-choices.js';

describe('the zone list of the preferences page', () => {
  it('groups every listed zone by region, labelled by place, with UTC under Other', () => {
    const html = zoneOptions(undefined);
    expect(html).not.toContain(' selected');
    expect(html.match(/<option /g)).toHaveLength(Intl.supportedValuesOf('timeZone').length + 1);
    expect(html).toContain('<optgroup label="Europe">');
    expect(html).toContain(
      '<option value="America/Argentina/Rio_Gallegos">Argentina / Rio Gallegos</option>',
    );
    expect(html).toContain('<optgroup label="Other"><option value="UTC">UTC</option></optgroup>');
  });

  it('selects the reader’s zone, adding it to its region when the runtime lists it by another name', () => {
    expect(zoneOptions('Europe/Brussels').match(/ selected/g)).toHaveLength(1);
    expect(zoneOptions('Europe/Brussels')).toContain(
      '<option value="Europe/Brussels" selected>Brussels</option>',
    );
    const kyiv = zoneOptions('Europe/Kyiv');
    expect(kyiv).toContain('<option value="Europe/Kyiv" selected>Kyiv</option>');
    expect(kyiv.indexOf('Europe/Kyiv')).toBeGreaterThan(kyiv.indexOf('<optgroup label="Europe">'));
  });

  it('escapes what it is given, even a value that should never have been stored', () => {
    const html = zoneOptions('Europe/"><script>alert(1)</script>');
    expect(html).not.toContain('<script');
    expect(html).toContain('value="Europe/&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" selected');
  });
});
