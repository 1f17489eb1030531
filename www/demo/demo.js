// The host page's own code, as a site owner would write it: buttons that drive the widget
// through window.Ticketbooth, and a listener for the ticket-created event.
document.getElementById('open-help').addEventListener('click', function () {
  window.Ticketbooth.open();
});
document.getElementById('help-link').addEventListener('click', function (e) {
  e.preventDefault();
  window.Ticketbooth.open();
});
document.getElementById('from-chat').addEventListener('click', function () {
  window.Ticketbooth.openTicket({
    subject: 'Deploy stuck at "uploading"',
    description: 'The bot could not solve this; handing over to the team.',
    transcript: [
      { author: 'visitor', text: 'My deploy has been uploading for 20 minutes.' },
      { author: 'bot', text: 'Sorry about that! Let me open a ticket for our team.' },
    ],
  });
});
window.addEventListener('ticketbooth:ticket-created', function (e) {
  var note = document.getElementById('created');
  note.textContent = 'The host page heard ticketbooth:ticket-created for ' + e.detail.code + '.';
  note.hidden = false;
});
