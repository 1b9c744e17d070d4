package main

import (
	"encoding/json"
	"strings"
)

// sessionCommands are the app admin's session control.
var sessionCommands = map[string]command{
	"list":      sessionList,
	"gateways":  sessionGateways,
	"logout":    sessionLogout,
	"broadcast": sessionBroadcast,
}

// sessionList prints one page of the app's online users.
func sessionList(e *env, args []string) error {
	fs := e.flags("")
	cursor := fs.String("cursor", "", "the cursor the previous page printed")
	limit := fs.Int("limit", 100, "about this many users (1..1000)")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usagef("session list: no arguments")
	}
	return e.do("/v1/admin/onlineUsers", map[string]any{"cursor": *cursor, "limit": *limit}, "")
}

func sessionGateways(e *env, args []string) error {
	pos, err := e.parse(e.flags(""), args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usagef("session gateways: no arguments")
	}
	return e.do("/v1/admin/gateways", map[string]any{}, "")
}

// sessionLogout logs USER out of every device, or of the one --type and
// --imei name.
func sessionLogout(e *env, args []string) error {
	fs := e.flags("")
	typ := fs.Int("type", -1, "clientType of the one device to log out")
	imei := fs.String("imei", "", "imei of the one device to log out")
	reason := fs.String("reason", "", "the text the device is shown")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("session logout: exactly one user id")
	}
	if (*typ < 0) != (*imei == "") {
		return usagef("session logout: --type and --imei go together")
	}
	body := map[string]any{"userId": pos[0], "reason": *reason}
	if *imei != "" {
		body["device"] = map[string]any{"clientType": *typ, "imei": *imei}
	}
	return e.do("/v1/admin/forceLogout", body, "")
}

// sessionBroadcast sends {"text": TEXT} to every online device, or to
// those of --to users; --json sends TEXT as the data itself.
func sessionBroadcast(e *env, args []string) error {
	fs := e.flags("")
	to := fs.String("to", "", "comma-separated user ids (default: the whole app)")
	raw := fs.Bool("json", false, "TEXT is the JSON data to send")
	text, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(text) == 0 {
		return usagef("session broadcast: the text is missing")
	}
	var data any = map[string]string{"text": strings.Join(text, " ")}
	if *raw {
		if !json.Valid([]byte(strings.Join(text, " "))) {
			return usagef("session broadcast: --json: TEXT is not valid JSON")
		}
		data = json.RawMessage(strings.Join(text, " "))
	}
	body := map[string]any{"data": data}
	if *to != "" {
		body["userIds"] = strings.Split(*to, ",")
	}
	return e.do("/v1/admin/broadcast", body, "")
}
