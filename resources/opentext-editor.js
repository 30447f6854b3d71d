/* Shared editor helpers of node-red-contrib-opentext (served at resources/node-red-contrib-opentext/). */
/* global RED, $ */
(function () {
  'use strict';
  if (window.OpenTextEditor) return;

  /** HTML of the connection rows shared by every config node (timeout, retries, TLS, proxy). */
  function connectionRows(prefix) {
    var p = prefix || 'node-config-input-';
    return (
      '<div class="form-row"><label for="' + p + 'timeout"><i class="fa fa-clock-o"></i> <span data-i18n="node-red-contrib-opentext/ot-xecm:connection.timeout"></span></label>' +
      '<input type="number" id="' + p + 'timeout" min="1" max="3600" style="width:90px"> s</div>' +
      '<div class="form-row"><label for="' + p + 'retries"><i class="fa fa-repeat"></i> <span data-i18n="node-red-contrib-opentext/ot-xecm:connection.retries"></span></label>' +
      '<input type="number" id="' + p + 'retries" min="1" max="10" style="width:90px"> ' +
      '<span data-i18n="node-red-contrib-opentext/ot-xecm:connection.maxDelay"></span> <input type="number" id="' + p + 'maxDelay" min="0" max="600" style="width:90px"> s</div>' +
      '<div class="form-row"><label for="' + p + 'concurrency"><i class="fa fa-tasks"></i> <span data-i18n="node-red-contrib-opentext/ot-xecm:connection.concurrency"></span></label>' +
      '<input type="number" id="' + p + 'concurrency" min="1" max="256" style="width:90px"></div>' +
      '<div class="form-row"><label for="' + p + 'tls"><i class="fa fa-lock"></i> <span data-i18n="node-red-contrib-opentext/ot-xecm:connection.tls"></span></label>' +
      '<input type="text" id="' + p + 'tls" style="width:70%"></div>' +
      '<div class="form-row"><label for="' + p + 'proxy"><i class="fa fa-globe"></i> <span data-i18n="node-red-contrib-opentext/ot-xecm:connection.proxy"></span></label>' +
      '<input type="text" id="' + p + 'proxy" style="width:70%"></div>'
    );
  }

  /**
   * Injects the shared connection rows into #<containerId> of a config node's dialog, fills them
   * and turns TLS and proxy into config-node pickers.
   */
  function prepareConnection(node, containerId) {
    $('#' + containerId).html(connectionRows('node-config-input-'));
    ['timeout', 'retries', 'maxDelay', 'concurrency'].forEach(function (k) {
      $('#node-config-input-' + k).val(node[k]);
    });
    RED.editor.prepareConfigNodeSelect(node, 'tls', 'tls-config', 'node-config-input');
    RED.editor.prepareConfigNodeSelect(node, 'proxy', 'http proxy', 'node-config-input');
    $('#' + containerId).i18n();
  }

  /**
   * Wires a "Test connection" button: posts the dialog's current settings and credentials to
   * opentext/<type>/test and shows the answer next to the button.
   */
  function testButton(type, node, settingNames, credentialNames) {
    var $btn = $('#node-config-test');
    var $out = $('#node-config-test-result');
    $btn.on('click', function (e) {
      e.preventDefault();
      var settings = {};
      settingNames.forEach(function (n) {
        var $f = $('#node-config-input-' + n);
        if ($f.length === 0) return;
        settings[n] = $f.is(':checkbox') ? $f.is(':checked') : $f.val();
      });
      var credentials = {};
      (credentialNames || []).forEach(function (n) {
        var $f = $('#node-config-input-' + n);
        if ($f.length) credentials[n] = $f.val();
      });
      $out.text('…').removeClass('ot-ok ot-err');
      $.ajax({
        url: 'opentext/' + type + '/test',
        type: 'POST',
        contentType: 'application/json',
        data: JSON.stringify({ id: node.id, settings: settings, credentials: credentials }),
        success: function (res) {
          if (res && res.ok) $out.text('✔ ' + res.message).css('color', 'var(--red-ui-text-color-success, green)');
          else $out.text('✘ ' + (res && res.code ? res.code + ': ' : '') + (res && res.message)).css('color', 'var(--red-ui-text-color-error, #c00)');
        },
        error: function (xhr) {
          $out.text('✘ HTTP ' + xhr.status + (xhr.status === 401 || xhr.status === 403 ? ' – no permission' : '')).css('color', 'var(--red-ui-text-color-error, #c00)');
        },
      });
    });
  }

  /** Fills a <select> from an admin endpoint answering [{value,label}]. */
  function fillSelect($select, url, current, done) {
    $.getJSON(url)
      .done(function (items) {
        $select.empty();
        $('<option>').val('').text('').appendTo($select);
        (items || []).forEach(function (it) {
          $('<option>').val(it.value).text(it.label).appendTo($select);
        });
        if (current !== undefined) $select.val(String(current));
        if (done) done(null, items);
      })
      .fail(function (xhr) {
        if (done) done(new Error('HTTP ' + xhr.status));
      });
  }

  window.OpenTextEditor = { connectionRows: connectionRows, prepareConnection: prepareConnection, testButton: testButton, fillSelect: fillSelect };
})();
