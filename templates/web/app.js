// medpacket's page script: drag and drop, uploading as soon as files are chosen (with
// progress), the progress of reading the folder and of the build, and the focus on what
// a form just did. Without it every form still works. Its words come from the page
// (data-* attributes), in the page's language.
(function () {
  'use strict';

  // After a form (or an upload, or a build) the page opens at the section it concerns:
  // the focus goes to that section's message or result, so keyboard and screen reader
  // users land on what happened.
  // (Once the page has loaded: the browser's own move to the #section comes first.)
  window.addEventListener('load', function () {
    var target = location.hash ? document.getElementById(location.hash.slice(1)) : null;
    var said = target && target.querySelector('.notice[tabindex], .result[tabindex]');
    if (said && document.activeElement === document.body) { said.focus(); }
  });

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
    status.textContent = files.length === 1
      ? status.getAttribute('data-adding-one')
      : status.getAttribute('data-adding-many').replace('{n}', files.length);
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable) { bar.value = Math.round(100 * e.loaded / e.total); }
    };
    xhr.onload = function () { reloadAt('records'); };
    xhr.onerror = function () {
      bar.hidden = true;
      status.textContent = status.getAttribute('data-failed');
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

  // Screen readers hear the progress when its stage changes, and at most every few
  // seconds otherwise: not on every tick.
  function announcer(region) {
    var last = '';
    var lastStage = '';
    var at = 0;
    return function (stage, text, now) {
      if (!region || text === last) { return; }
      if (stage !== lastStage || now || Date.now() - at >= 8000) {
        region.textContent = text;
        last = text;
        lastStage = stage;
        at = Date.now();
      }
    };
  }

  // Reading the folder (scans take a while): the page stays usable, the progress shows
  // here, and the records appear when the reading ends.
  var reading = document.getElementById('reading');
  var edited = false;
  document.addEventListener('input', function (e) {
    if (e.target && e.target.type !== 'file') { edited = true; }
  });

  function pollReading(announce) {
    var text = document.getElementById('reading-text');
    var bar = document.getElementById('reading-bar');
    var ready = document.getElementById('reading-ready');
    fetch('/records/status', { credentials: 'same-origin' })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        text.textContent = s.text;
        bar.max = s.total || 1;
        bar.value = s.done;
        if (s.state === 'reading') {
          announce(s.text.split(':')[0], s.text, false);
          setTimeout(function () { pollReading(announce); }, 500);
        } else if (!edited) {
          location.reload();
        } else {
          // Something typed would be lost by a reload: the patient chooses when.
          text.textContent = ready.getAttribute('data-ready');
          announce('ready', ready.getAttribute('data-ready'), true);
          bar.value = bar.max;
          ready.hidden = false;
        }
      })
      .catch(function () { setTimeout(function () { pollReading(announce); }, 1000); });
  }

  if (reading) {
    var show = document.getElementById('reading-show');
    if (show) { show.addEventListener('click', function () { location.reload(); }); }
    pollReading(announcer(document.getElementById('reading-live')));
  }

  var buildForm = document.getElementById('build-form');
  var progress = document.getElementById('build-progress');
  var stage = document.getElementById('build-stage');
  var count = document.getElementById('build-count');
  var buildBar = document.getElementById('build-bar');
  var buildButton = document.getElementById('build-button');
  var announceBuild = announcer(document.getElementById('build-live'));

  function poll() {
    fetch('/build/status', { credentials: 'same-origin' })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        if (s.state === 'running') {
          stage.textContent = s.stage || progress.getAttribute('data-building');
          count.textContent = s.total ? s.done + ' ' + progress.getAttribute('data-of') + ' ' + s.total : '';
          buildBar.max = s.total || 1;
          buildBar.value = s.done;
          announceBuild(stage.textContent, stage.textContent + '… ' + count.textContent, false);
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
      stage.textContent = progress.getAttribute('data-starting');
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
