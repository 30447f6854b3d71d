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

  // ---- messages --------------------------------------------------------------------------------

  var NS = 'node-red-contrib-opentext/';

  /** A text of the shared editor catalog (the "editor" section of ot-xecm.json). */
  function text(key, opts) {
    return RED._(NS + 'ot-xecm:editor.' + key, opts);
  }

  /** A text of a node's own catalog: tr('ot-workflow', 'label.map'). */
  function tr(type, key, opts) {
    return RED._(NS + type + ':' + type + '.' + key, opts);
  }

  // ---- validators --------------------------------------------------------------------------------

  /** The live dialog value of a property, else the node's saved one. */
  function current(node, name, isConfig) {
    var $f = $('#node-' + (isConfig ? 'config-' : '') + 'input-' + name);
    if ($f.length) return $f.is(':checkbox') ? $f.is(':checked') : $f.val();
    return node[name];
  }

  /**
   * A validator (Node-RED 3+: returns true or the reason) for a TypedInput that needs a value for
   * some operations: `need('ot-workflow', 'map', {when: ['start', 'openTasks'], typeField: 'mapType',
   * number: true})`. A literal (str, num, json) must not be empty when the operation (property
   * `opField`, default "operation") is one of `when` (or always without `when`); with `number: true`
   * a num must be a whole positive number (a node id); JSON must parse; msg/flow/global/env/jsonata
   * sources are checked by Node-RED's own TypedInput validator.
   */
  function need(type, prop, o) {
    o = o || {};
    return function (v, opt) {
      var op = current(this, o.opField || 'operation', o.isConfig);
      var applies = !o.when || o.when.indexOf(op) >= 0;
      var ptype = o.typeField ? current(this, o.typeField, o.isConfig) || 'str' : 'str';
      var literal = ptype === 'str' || ptype === 'num' || ptype === 'json';
      var s = v === undefined || v === null ? '' : String(v).trim();
      var label = tr(type, 'label.' + (o.label || prop));
      if (literal && s === '') {
        // an empty literal: fine unless this operation needs the field (Node-RED's own TypedInput
        // check would call an empty JSON field invalid)
        if (!applies) return true;
        return o.when ? text('validation.requiredFor', { field: label, operation: tr(type, (o.opKey || 'operation') + '.' + op) }) : text('validation.required', { field: label });
      }
      if (ptype === 'num' && s !== '' && o.number && !/^\d+$/.test(s)) return text('validation.id', { field: label, value: s });
      if (ptype === 'json' && s !== '') {
        try {
          JSON.parse(s);
        } catch (e) {
          return text('validation.json', { field: label, error: e.message });
        }
      }
      if (o.typeField) {
        var r = RED.validators.typedInput(o.typeField, !!o.isConfig).call(this, v, opt || {});
        if (r !== true) return typeof r === 'string' ? label + ': ' + r : text('validation.invalid', { field: label });
      }
      return true;
    };
  }

  /** A validator for a base URL: http(s), optionally with a required ending ("/api"). */
  function url(type, prop, ending) {
    return function (v) {
      var s = String(v || '').trim();
      var label = tr(type, 'label.' + prop);
      if (!s) return text('validation.required', { field: label });
      if (/^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/.test(s)) return true;
      if (!/^https?:\/\/[^\s/]+(\/[^\s]*)?$/.test(s)) return text('validation.url', { field: label });
      if (ending && !new RegExp(ending.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&') + '/?$').test(s)) return text('validation.urlEnding', { field: label, ending: ending });
      return true;
    };
  }

  /** A validator for a number setting within [min, max] (empty is allowed when `optional`). */
  function range(type, prop, min, max, optional) {
    return function (v) {
      var s = String(v === undefined || v === null ? '' : v).trim();
      var label = tr(type, 'label.' + prop);
      if (s === '') return optional ? true : text('validation.required', { field: label });
      var n = Number(s);
      if (!isFinite(n) || n < min || n > max) return text('validation.range', { field: label, min: min, max: max });
      return true;
    };
  }

  // ---- drop-downs filled from the server -----------------------------------------------------------

  /** The config node chosen in the dialog ('' when none or "add new"). */
  function selectedServer(sel) {
    var v = $(sel || '#node-input-server').val();
    return v && v !== '_ADD_' ? v : '';
  }

  /**
   * GET opentext/<configType>/lists/<list>?server=&...: calls back (err, items); err.message is a
   * sentence for the user (not deployed, no permission, the server's reason).
   */
  function loadList(configType, list, server, query, cb) {
    if (!server) return cb(new Error(text('picker.noServer')));
    var q = $.extend({ server: server }, query || {});
    $.ajax({ url: 'opentext/' + configType + '/lists/' + list, data: q, dataType: 'json', cache: false })
      .done(function (res) {
        if (res && res.ok) cb(null, res.items || []);
        else cb(new Error((res && res.message) || text('picker.failed', { status: 200 })));
      })
      .fail(function (xhr) {
        var r = xhr.responseJSON || {};
        if (r.code === 'NOT_DEPLOYED') return cb(new Error(text('picker.notDeployed')));
        if (xhr.status === 401 || xhr.status === 403) return cb(new Error(text('picker.noPermission')));
        cb(new Error(r.message ? (r.code ? r.code + ': ' : '') + r.message : text('picker.failed', { status: xhr.status })));
      });
  }

  /**
   * A "pick from the server" button beside a dialog field (a TypedInput or a plain input):
   *
   *   OpenTextEditor.picker({ field: 'node-input-map', configType: 'ot-xecm', list: 'workflowmaps',
   *     type: 'num', query: function () { return {...}; }, onPick: function (item) {...} })
   *
   * The button loads the list through the selected (deployed) connection and shows it in a
   * drop-down under the field (`#<field>-pick-list`); choosing an entry sets the field (and its
   * TypedInput type) to the entry's value. Problems (no connection, not deployed, the server's
   * error) show under the field (`#<field>-pick-msg`). `query` may return a string to refuse
   * with that message (e.g. "choose a workspace type first").
   */
  function picker(o) {
    var $field = $('#' + o.field);
    if (!$field.length) return;
    var typed = $field.next('.red-ui-typedInput-container').length > 0;
    var $btn = $('<button type="button" class="red-ui-button ot-pick-button"></button>')
      .attr('id', o.field + '-pick')
      .attr('title', text('picker.button'))
      .css({ 'margin-left': '4px' })
      .append($('<i class="fa fa-list-ul"></i>'));
    if (typed) {
      $field.typedInput('width', 'calc(70% - 38px)');
      $btn.insertAfter($field.next('.red-ui-typedInput-container'));
    } else {
      $field.css('width', 'calc(70% - 38px)');
      $btn.insertAfter($field);
    }
    var $area = $('<div class="ot-pick-area"></div>').attr('id', o.field + '-pick-area').css({ 'margin-left': '104px', 'margin-top': '4px' });
    var $list = $('<select class="ot-pick-list"></select>').attr('id', o.field + '-pick-list').css({ width: '70%', display: 'none' });
    var $msg = $('<div class="form-tips ot-pick-msg"></div>').attr('id', o.field + '-pick-msg').css({ display: 'none', 'margin-top': '4px' });
    $area.append($list).append($msg);
    $area.insertAfter($btn.parent().is('.form-row') ? $btn.parent().children().last() : $btn);
    var items = [];
    var show = function (m, error) {
      $msg.text(m).toggleClass('ot-pick-error', !!error).css('color', error ? 'var(--red-ui-text-color-error, #c00)' : '').toggle(!!m);
    };
    $btn.on('click', function (e) {
      e.preventDefault();
      var q = o.query ? o.query() : {};
      if (typeof q === 'string') {
        $list.hide();
        return show(q, true);
      }
      show(text('picker.loading'));
      $btn.prop('disabled', true);
      loadList(o.configType || 'ot-xecm', o.list, selectedServer(o.server), q, function (err, list) {
        $btn.prop('disabled', false);
        if (err) {
          $list.hide();
          return show(err.message, true);
        }
        items = list;
        $list.empty().append($('<option>').val('').text(text('picker.choose', { count: list.length })));
        list.forEach(function (it, i) {
          $('<option>').val(String(i)).text(o.format ? o.format(it) : it.label).prop('disabled', it.disabled === true).appendTo($list);
        });
        // a list box: the choices are visible at once
        $list.attr('size', Math.max(2, Math.min(8, list.length + 1))).show();
        show(list.length ? '' : text('picker.none'));
        if (list.length) $list.trigger('focus');
      });
    });
    $list.on('change', function () {
      var it = items[Number($list.val())];
      if ($list.val() === '' || !it) return;
      if (typed) {
        if (o.type) $field.typedInput('type', o.type);
        $field.typedInput('value', String(it.value));
      } else {
        $field.val(String(it.value));
      }
      $field.trigger('change');
      if (o.onPick) o.onPick(it);
      $list.hide();
      show('');
    });
  }

  /**
   * Category helper under a categories field (a JSON TypedInput): pick a category, then an
   * attribute, and "add" puts `"<cat>_<attr>": ""` (nested under the category: {"<cat>": {...}})
   * into the JSON, keeping what is there. The required attributes of a category are added together
   * with the first one. Needs a JSON value in the field (type json).
   */
  function categoryHelper(o) {
    var $field = $('#' + o.field);
    if (!$field.length) return;
    var id = o.field + '-cat';
    var $row = $('<div class="form-row ot-cat-helper"></div>').attr('id', id + '-row');
    $row.append($('<label></label>').html('&nbsp;'));
    var $load = $('<button type="button" class="red-ui-button"></button>').attr('id', id + '-load').append($('<i class="fa fa-list-alt"></i>')).append(' ').append($('<span></span>').text(text('categories.load')));
    var $cats = $('<select></select>').attr('id', id + '-category').css({ width: 'calc(70% - 120px)', display: 'none', 'margin-left': '6px' });
    var $line = $('<div></div>').css({ 'margin-left': '104px', 'margin-top': '4px' });
    var $attrs = $('<select></select>').attr('id', id + '-attribute').css({ width: 'calc(70% - 38px)', display: 'none' });
    var $add = $('<button type="button" class="red-ui-button"></button>').attr('id', id + '-add').css({ display: 'none', 'margin-left': '4px' }).append($('<i class="fa fa-plus"></i>')).attr('title', text('categories.add'));
    var $msg = $('<div class="form-tips"></div>').attr('id', id + '-msg').css({ display: 'none', 'margin-left': '104px', 'margin-top': '4px', width: 'calc(70% - 12px)' });
    $line.append($attrs).append($add);
    $row.append($load).append($cats).append($line).append($msg);
    $row.insertAfter($field.closest('.form-row'));
    var attrs = [];
    var show = function (m, error) {
      $msg.text(m).css('color', error ? 'var(--red-ui-text-color-error, #c00)' : '').toggle(!!m);
    };
    $load.on('click', function (e) {
      e.preventDefault();
      show(text('picker.loading'));
      loadList('ot-xecm', 'categories', selectedServer(o.server), {}, function (err, list) {
        if (err) return show(err.message, true);
        $cats.empty().append($('<option>').val('').text(text('categories.chooseCategory', { count: list.length })));
        list.forEach(function (c) {
          $('<option>').val(String(c.value)).text(c.label).appendTo($cats);
        });
        $cats.show();
        $attrs.hide();
        $add.hide();
        show('');
      });
    });
    $cats.on('change', function () {
      var cat = $cats.val();
      $attrs.hide();
      $add.hide();
      if (!cat) return;
      show(text('picker.loading'));
      loadList('ot-xecm', 'attributes', selectedServer(o.server), { category: cat }, function (err, list) {
        if (err) return show(err.message, true);
        attrs = list.filter(function (a) {
          return a.type !== 'set';
        });
        $attrs.empty();
        attrs.forEach(function (a, i) {
          $('<option>').val(String(i)).text(a.label + (a.required ? ' *' : '')).appendTo($attrs);
        });
        $attrs.show();
        $add.show();
        show(text('categories.hint'));
      });
    });
    $add.on('click', function (e) {
      e.preventDefault();
      var cat = String($cats.val() || '');
      var a = attrs[Number($attrs.val())];
      if (!cat || !a) return;
      if ($field.typedInput('type') !== 'json') {
        if (String($field.typedInput('value') || '').trim() !== '') return show(text('categories.notJson'), true);
        $field.typedInput('type', 'json');
      }
      var value;
      try {
        value = JSON.parse(String($field.typedInput('value') || '').trim() || '{}');
      } catch (err) {
        return show(text('validation.json', { field: tr(o.type, 'label.categories'), error: err.message }), true);
      }
      if (!value || typeof value !== 'object' || Array.isArray(value)) return show(text('categories.notObject'), true);
      var into = value;
      if (o.nested !== false) {
        if (!value[cat] || typeof value[cat] !== 'object') value[cat] = {};
        into = value[cat];
      }
      var keys = [a].concat(
        attrs.filter(function (x) {
          return x.required && x !== a;
        }),
      );
      keys.forEach(function (x) {
        if (!(x.value in into)) into[x.value] = x.multi ? [] : '';
      });
      $field.typedInput('value', JSON.stringify(value));
      $field.trigger('change');
      show(text('categories.added', { key: a.value, label: a.label }));
    });
  }

  window.OpenTextEditor = {
    connectionRows: connectionRows,
    prepareConnection: prepareConnection,
    testButton: testButton,
    fillSelect: fillSelect,
    text: text,
    tr: tr,
    need: need,
    url: url,
    range: range,
    loadList: loadList,
    picker: picker,
    categoryHelper: categoryHelper,
  };
})();
