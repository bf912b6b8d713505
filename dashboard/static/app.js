// Skillett dashboard: progressive enhancement only. Without this file every
// page works; only the copy button (hidden until this script shows it) needs it.
"use strict";

// Copy buttons: <button data-copy="FIELD-ID" data-copy-status="STATUS-ID" hidden>.
for (const button of document.querySelectorAll("button[data-copy]")) {
  const field = document.getElementById(button.dataset.copy);
  const status = document.getElementById(button.dataset.copyStatus);
  if (!field) {
    continue;
  }
  button.hidden = false;
  button.addEventListener("click", async () => {
    let ok = false;
    try {
      await navigator.clipboard.writeText(field.value);
      ok = true;
    } catch {
      // No async clipboard (or no permission): the old way.
      field.focus();
      field.select();
      try {
        ok = document.execCommand("copy");
      } catch {
        ok = false;
      }
    }
    button.dataset.copied = String(ok);
    button.textContent = ok ? "Copied" : "Copy";
    if (status) {
      status.textContent = ok
        ? "Copied to the clipboard."
        : "Could not copy automatically: the key is selected, press Ctrl+C (or ⌘C) to copy it.";
    }
    if (ok) {
      // The status clears, so that a second copy is announced again.
      clearTimeout(button.copyTimer);
      button.copyTimer = setTimeout(() => {
        button.textContent = "Copy";
        if (status) {
          status.textContent = "";
        }
      }, 3000);
    } else {
      field.focus();
      field.select();
    }
  });
}

// A secret field selects all of itself on focus, ready to be copied by hand.
for (const field of document.querySelectorAll("input.secret")) {
  field.addEventListener("focus", () => field.select());
}

// Ticking an integration means "only these integrations".
const chosen = document.getElementById("access-chosen");
if (chosen) {
  for (const box of document.querySelectorAll('input[name="scope"]')) {
    box.addEventListener("change", () => {
      if (box.checked) {
        chosen.checked = true;
      }
    });
  }
}

// A page that shows a secret once must not come back from the back/forward
// cache: reload it, and the server says that the key can no longer be shown.
window.addEventListener("pageshow", (event) => {
  if (event.persisted && document.querySelector("[data-show-once]")) {
    location.reload();
  }
});

// A confirmation in the page at load ("You have logged out.") is not
// announced by screen readers: repeat it in the live region once the page
// has settled.
const announcer = document.getElementById("announcer");
const notice = document.querySelector("[data-announce]");
if (announcer && notice) {
  setTimeout(() => { announcer.textContent = notice.textContent.trim(); }, 500);
}
