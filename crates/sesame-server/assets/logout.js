// Submits the RP-initiated logout confirmation form as soon as the page loads.
document.addEventListener('DOMContentLoaded', () => {
  const form = document.getElementById('op.logoutForm');
  if (form) form.submit();
});
