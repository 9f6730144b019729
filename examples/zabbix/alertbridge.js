// alertbridge webhook media type for Zabbix 6.0 and later.
//
// Posts one JSON object per problem, recovery or update to alertbridge's
// /ingest/zabbix. alertbridge matches a recovery to its problem by the
// problem's event id ({EVENT.ID}, which Zabbix keeps for the recovery), fires
// on event_value 1, resolves on 0, and ignores updates (event_update 1:
// acknowledgements and comments), since acknowledging is done on the desk.
// See docs/sources.md#zabbix.
var AlertBridge = {
    // A macro Zabbix could not expand stays as its own text ("{EVENT.RECOVERY.DATE}"
    // in a problem): send it as absent, not as a value.
    isUnexpanded: function (text) {
        return typeof text === 'string' && /^\{[A-Z0-9_.:$]+\}$/.test(text);
    },

    // Unix seconds of a Zabbix date ("2024.05.13") and time ("09:20:10"),
    // read in the Zabbix server's local time zone, where Zabbix wrote them.
    epoch: function (date, time) {
        if (!date || AlertBridge.isUnexpanded(date)) {
            return '';
        }
        var d = date.split('.'), t = (time && !AlertBridge.isUnexpanded(time) ? time : '00:00:00').split(':');
        var stamp = new Date(+d[0], +d[1] - 1, +d[2], +t[0], +t[1], +t[2]).getTime();
        return isNaN(stamp) ? '' : String(Math.floor(stamp / 1000));
    }
};

try {
    var params = JSON.parse(value), body = {}, name;
    if (!params.alertbridge_url || AlertBridge.isUnexpanded(params.alertbridge_url)) {
        throw 'The alertbridge_url parameter is not set.';
    }
    for (name in params) {
        if (params.hasOwnProperty(name) && name !== 'alertbridge_url' && name !== 'http_proxy'
                && !AlertBridge.isUnexpanded(params[name])) {
            body[name] = params[name];
        }
    }
    body.event_timestamp = AlertBridge.epoch(params.event_date, params.event_time);
    body.event_recovery_timestamp = AlertBridge.epoch(params.event_recovery_date, params.event_recovery_time);

    var request = new HttpRequest();
    request.addHeader('Content-Type: application/json');
    if (params.http_proxy && !AlertBridge.isUnexpanded(params.http_proxy)) {
        request.setProxy(params.http_proxy);
    }
    Zabbix.log(4, '[alertbridge webhook] sending event ' + body.event_id + ' to ' + params.alertbridge_url);
    var response = request.post(params.alertbridge_url, JSON.stringify(body));
    // alertbridge answers 202 {"accepted": N} once the event is stored durably.
    if (request.getStatus() !== 202) {
        throw 'alertbridge answered HTTP ' + request.getStatus() + ': ' + response;
    }
    return 'OK';
}
catch (error) {
    Zabbix.log(3, '[alertbridge webhook] failed: ' + error);
    throw 'alertbridge webhook failed: ' + error;
}
