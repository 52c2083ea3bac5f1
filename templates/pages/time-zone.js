// Fills the subscribe form's hidden timeZone field with the browser's IANA zone (e.g.
// "Europe/Brussels"). Without it the field stays empty and each edition's own zone applies.
(() => {
  for (const field of document.querySelectorAll('input[name="timeZone"][data-from-browser]')) {
    try {
      const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
      if (typeof zone === 'string' && zone.length <= 64) field.value = zone;
    } catch {
      // An old browser without Intl time zones: the edition's zone applies.
    }
  }
})();
