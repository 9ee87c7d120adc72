// Passkeys for the team service: registration on an invitation page, sign-in on /signin.
// The server sends WebAuthn options as JSON; the browser's own parsers turn them into the
// objects navigator.credentials expects, and toJSON() sends the answer back.
"use strict";

(function () {
  const button = document.querySelector("[data-passkey]");
  const status = document.getElementById("passkey-status");
  if (!button || !status) return;

  class ServerError extends Error {}

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      credentials: "same-origin",
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new ServerError(data.error || response.statusText);
    return data;
  }

  button.addEventListener("click", async () => {
    button.disabled = true;
    status.textContent = button.dataset.working || "…";
    try {
      const base = button.dataset.passkey;
      let credential;
      if (button.dataset.mode === "register") {
        const options = await post(base + "/options", {});
        credential = await navigator.credentials.create({
          publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options),
        });
        const done = await post(base + "/register", { credential: credential.toJSON() });
        window.location.assign(done.next);
      } else {
        const options = await post(base + "/options", {});
        credential = await navigator.credentials.get({
          publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options),
        });
        const done = await post(base + "/verify", { credential: credential.toJSON() });
        window.location.assign(done.next);
      }
    } catch (error) {
      // The server's answers are in the page's language; the browser's own errors (a
      // cancelled prompt, a timeout) are not, so those get the page's sentence.
      status.textContent = error instanceof ServerError
        ? error.message
        : button.dataset.failed || String(error);
      button.disabled = false;
    }
  });
})();
