// The documents page's uploads, with their progress shown. Without this
// script the forms post as they are; with it, the same form is sent by
// XMLHttpRequest so that the upload's progress can be shown, and the page
// then goes where the server's answer went (the documents page again).
(function () {
  'use strict';
  if (!window.FormData || !window.XMLHttpRequest) {
    return;
  }
  var forms = document.querySelectorAll('form.upload');
  Array.prototype.forEach.call(forms, function (form) {
    form.addEventListener('submit', function (event) {
      var input = form.querySelector('input[type=file]');
      if (!input || !input.files || input.files.length === 0) {
        return;
      }
      event.preventDefault();
      var progress = form.querySelector('progress');
      var status = form.querySelector('.upload-status');
      var button = form.querySelector('button[type=submit]');
      var show = function (percent) {
        if (progress) {
          progress.hidden = false;
          progress.value = percent;
        }
        if (status) {
          status.textContent = status.getAttribute('data-label') + ' ' + percent + '%';
        }
      };
      if (button) {
        button.disabled = true;
      }
      show(0);
      var request = new XMLHttpRequest();
      request.open('POST', form.action);
      request.upload.addEventListener('progress', function (progressEvent) {
        if (progressEvent.lengthComputable && progressEvent.total > 0) {
          show(Math.floor(progressEvent.loaded * 100 / progressEvent.total));
        }
      });
      request.addEventListener('load', function () {
        show(100);
        window.location.assign(request.responseURL || window.location.href);
      });
      request.addEventListener('error', function () {
        if (button) {
          button.disabled = false;
        }
        if (status) {
          status.textContent = status.getAttribute('data-failed');
        }
      });
      request.send(new FormData(form));
    });
  });
})();
