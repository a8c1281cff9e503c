// medpacket's page script: drag and drop, uploading as soon as files are chosen (with
// progress), and the build's progress. Without it every form still works.
(function () {
  'use strict';

  var form = document.getElementById('upload');
  var input = document.getElementById('files');
  var button = document.getElementById('upload-button');
  var bar = document.getElementById('upload-progress');
  var status = document.getElementById('upload-status');

  function reloadAt(section) {
    if (location.hash === '#' + section) {
      location.reload();
    } else {
      location.hash = section;
      location.reload();
    }
  }

  function send(files) {
    if (!files || !files.length) { return; }
    var data = new FormData();
    data.append('via', 'script');
    for (var i = 0; i < files.length; i++) { data.append('files', files[i], files[i].name); }
    var xhr = new XMLHttpRequest();
    xhr.open('POST', '/upload');
    bar.hidden = false;
    bar.value = 0;
    status.textContent = 'Adding ' + files.length + (files.length === 1 ? ' file…' : ' files…');
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable) { bar.value = Math.round(100 * e.loaded / e.total); }
    };
    xhr.onload = function () { reloadAt('records'); };
    xhr.onerror = function () {
      bar.hidden = true;
      status.textContent = 'The files could not be added. Check that medpacket is still running, then try again.';
    };
    xhr.send(data);
  }

  if (form && input) {
    // Choosing files uploads them; no other click is needed.
    if (button) { button.hidden = true; }
    input.addEventListener('change', function () { send(input.files); });
    ['dragenter', 'dragover'].forEach(function (type) {
      form.addEventListener(type, function (e) { e.preventDefault(); form.classList.add('over'); });
    });
    ['dragleave', 'dragend'].forEach(function (type) {
      form.addEventListener(type, function () { form.classList.remove('over'); });
    });
    form.addEventListener('drop', function (e) {
      e.preventDefault();
      form.classList.remove('over');
      if (e.dataTransfer) { send(e.dataTransfer.files); }
    });
  }

  var buildForm = document.getElementById('build-form');
  var progress = document.getElementById('build-progress');
  var stage = document.getElementById('build-stage');
  var count = document.getElementById('build-count');
  var buildBar = document.getElementById('build-bar');
  var buildButton = document.getElementById('build-button');

  function poll() {
    fetch('/build/status', { credentials: 'same-origin' })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        if (s.state === 'running') {
          stage.textContent = s.stage || 'Building';
          count.textContent = s.total ? s.done + ' of ' + s.total : '';
          buildBar.max = s.total || 1;
          buildBar.value = s.done;
          setTimeout(poll, 250);
        } else {
          reloadAt('build');
        }
      })
      .catch(function () { setTimeout(poll, 1000); });
  }

  if (buildForm && progress) {
    buildForm.addEventListener('submit', function (e) {
      e.preventDefault();
      if (buildButton) { buildButton.disabled = true; }
      progress.hidden = false;
      stage.textContent = 'Starting';
      fetch('/build', {
        method: 'POST',
        credentials: 'same-origin',
        redirect: 'manual',
        body: new URLSearchParams(new FormData(buildForm))
      })
        .then(function () { poll(); })
        .catch(function () { poll(); });
    });
    if (!progress.hidden) {
      if (buildButton) { buildButton.disabled = true; }
      poll();
    }
  }
}());
