package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// command runs one subcommand with its arguments.
type command func(e *env, args []string) error

var commands = map[string]command{
	"sign":    signCmd,
	"call":    callCmd,
	"user":    subcommands("user", map[string]command{"import": userImport}),
	"group":   subcommands("group", map[string]command{"create": groupCreate}),
	"message": subcommands("message", map[string]command{"send": messageSend}),
	"app":     subcommands("app", appCommands),
	"session": subcommands("session", sessionCommands),
	"chat":    chatCmd,
}

// subcommands dispatches "NOUN VERB ..." to the verb's command.
func subcommands(noun string, verbs map[string]command) command {
	return func(e *env, args []string) error {
		if len(args) == 0 {
			return usagef("%s: which one? %s", noun, verbList(verbs))
		}
		c, ok := verbs[args[0]]
		if !ok {
			return usagef("%s: unknown %q (one of %s)", noun, args[0], verbList(verbs))
		}
		e.name = noun + " " + args[0]
		return c(e, args[1:])
	}
}

func verbList(verbs map[string]command) string {
	var names []string
	for v := range verbs {
		names = append(names, v)
	}
	return strings.Join(sorted(names), ", ")
}

func sorted(s []string) []string {
	slices.Sort(s)
	return s
}

// signCmd prints a userSign for a client login or a REST call.
func signCmd(e *env, args []string) error {
	fs := e.flags("")
	expire := fs.Duration("expire", 24*time.Hour, "lifetime of the sign")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("sign: exactly one identifier, got %d", len(pos))
	}
	if *expire < time.Second {
		return usagef("sign: --expire %v: at least 1s", *expire)
	}
	s, err := e.sign(pos[0], *expire)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(e.out, s)
	return err
}

// callCmd POSTs any JSON body to any path, as the admin or --as a user.
func callCmd(e *env, args []string) error {
	fs := e.flags("")
	as := fs.String("as", "", "call as this identifier instead of the admin")
	pos, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) < 1 || len(pos) > 2 || !strings.HasPrefix(pos[0], "/") {
		return usagef("call: PATH [JSON], PATH starting with / (e.g. /v1/user/importUser)")
	}
	body := json.RawMessage("{}")
	if len(pos) == 2 {
		body = json.RawMessage(pos[1])
	}
	return e.do(pos[0], body, *as)
}

// do calls path and prints the data.
func (e *env) do(path string, body any, identifier string) error {
	data, err := e.call(path, body, identifier)
	if err != nil {
		return err
	}
	return e.print(data)
}

func userImport(e *env, args []string) error {
	fs := e.flags("")
	nick := fs.String("nick", "", "nickName of every user (default: its id)")
	ids, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		return usagef("user import: at least one user id")
	}
	users := make([]map[string]string, len(ids))
	for i, id := range ids {
		users[i] = map[string]string{"userId": id, "nickName": cmp.Or(*nick, id)}
	}
	return e.do("/v1/user/importUser", map[string]any{"userData": users}, "")
}

type groupMember struct {
	ID string `json:"memberId"`
}

func groupCreate(e *env, args []string) error {
	fs := e.flags("")
	name := fs.String("name", "", "group name (required)")
	typ := fs.Int("type", 2, "1 private, 2 public")
	owner := fs.String("owner", "", "owner (default: the admin)")
	id := fs.String("id", "", "group id (default: generated)")
	members, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	if *name == "" {
		return usagef("group create: --name is required")
	}
	body := map[string]any{"groupName": *name, "groupType": *typ, "groupId": *id, "ownerId": *owner,
		"member": groupMembers(members)}
	return e.do("/v1/group/createGroup", body, "")
}

func groupMembers(ids []string) []groupMember {
	out := make([]groupMember, len(ids))
	for i, id := range ids {
		out[i] = groupMember{ID: id}
	}
	return out
}

func messageSend(e *env, args []string) error {
	fs := e.flags("")
	from := fs.String("from", "", "sender (required)")
	to := fs.String("to", "", "receiver of a 1:1 message")
	group := fs.String("group", "", "group of a group message")
	text, err := e.parse(fs, args)
	if err != nil {
		return err
	}
	switch {
	case *from == "":
		return usagef("message send: --from is required")
	case (*to == "") == (*group == ""):
		return usagef("message send: exactly one of --to and --group")
	case len(text) == 0:
		return usagef("message send: the message text is missing")
	}
	body := map[string]string{"fromId": *from, "toId": *to, "groupId": *group, "messageBody": strings.Join(text, " ")}
	return e.do("/v1/message/send", body, "")
}
