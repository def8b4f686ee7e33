const params = new URLSearchParams(location.search);
const form = document.getElementById('setup');
const status = document.getElementById('status');
document.getElementById('token').value = params.get('token') ?? '';

fetch('/api/setup')
  .then((r) => r.json())
  .then((s) => {
    if (!s.pending) status.textContent = 'Setup is already complete: sign in with your password.';
  });

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const password = document.getElementById('password').value;
  if (password !== document.getElementById('repeat').value) {
    status.textContent = 'The two passwords differ.';
    return;
  }
  status.textContent = 'Saving…';
  const res = await fetch('/api/setup', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: document.getElementById('token').value.trim(), password }),
  });
  const body = await res.json();
  if (!res.ok) {
    status.textContent = body.error?.message ?? 'Setup failed.';
    return;
  }
  form.hidden = true;
  document.getElementById('done').hidden = false;
  history.replaceState(null, '', '/setup');
});
