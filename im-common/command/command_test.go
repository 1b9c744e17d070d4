package command_test

import (
	"testing"

	"github.com/whaleim/whaleim/im-common/command"
)

func TestCodes_MatchProtocol(t *testing.T) {
	tests := []struct {
		code command.Code
		num  uint32
		name string
		area command.Area
	}{
		{command.Login, 9000, "LOGIN", command.AreaSystem},
		{command.LoginAck, 9001, "LOGIN_ACK", command.AreaSystem},
		{command.MutualLogin, 9002, "MUTUAL_LOGIN", command.AreaSystem},
		{command.Logout, 9003, "LOGOUT", command.AreaSystem},
		{command.Ping, 9999, "PING", command.AreaSystem},
		{command.MessageP2P, 1103, "MSG_P2P", command.AreaMessage},
		{command.MessageAck, 1046, "MSG_ACK", command.AreaMessage},
		{command.MessageReceiveAck, 1107, "MSG_RECEIVE_ACK", command.AreaMessage},
		{command.MessageRead, 1106, "MSG_READ", command.AreaMessage},
		{command.MessageReadNotify, 1053, "MSG_READ_NOTIFY", command.AreaMessage},
		{command.MessageReadReceipt, 1054, "MSG_READ_RECEIPT", command.AreaMessage},
		{command.MessageRecall, 1050, "MSG_RECALL", command.AreaMessage},
		{command.MessageRecallAck, 1051, "MSG_RECALL_ACK", command.AreaMessage},
		{command.MessageRecallNote, 1052, "MSG_RECALL_NOTIFY", command.AreaMessage},
		{command.MessageEdit, 1055, "MSG_EDIT", command.AreaMessage},
		{command.MessageEditAck, 1056, "MSG_EDIT_ACK", command.AreaMessage},
		{command.MessageEditNote, 1057, "MSG_EDIT_NOTIFY", command.AreaMessage},
		{command.MessageDeleteNote, 1058, "MSG_DELETE_NOTIFY", command.AreaMessage},
		{command.MessageTyping, 1060, "MSG_TYPING", command.AreaMessage},
		{command.GroupMessage, 2104, "MSG_GROUP", command.AreaGroup},
		{command.GroupMessageAck, 2047, "GROUP_MSG_ACK", command.AreaGroup},
		{command.GroupRead, 2106, "MSG_GROUP_READ", command.AreaGroup},
		{command.GroupReadNotify, 2053, "MSG_GROUP_READ_NOTIFY", command.AreaGroup},
		{command.GroupReadReceipt, 2054, "MSG_GROUP_READ_RECEIPT", command.AreaGroup},
		{command.GroupJoinRequest, 2000, "JOIN_GROUP", command.AreaGroup},
		{command.GroupMemberMuted, 2010, "SPEAK_GROUP_MEMBER", command.AreaGroup},
		{command.FriendAdd, 3000, "FRIEND_ADD", command.AreaFriend},
		{command.FriendRequestApprove, 3005, "FRIEND_REQUEST_APPROVE", command.AreaFriend},
		{command.FriendBlackAdd, 3010, "FRIEND_BLACK_ADD", command.AreaFriend},
		{command.FriendDeleteAll, 3016, "FRIEND_ALL_DELETE", command.AreaFriend},
		{command.UserModify, 4000, "USER_MODIFY", command.AreaUser},
		{command.UserOnlineStatusSync, 4005, "USER_ONLINE_STATUS_CHANGE_NOTIFY_SYNC", command.AreaUser},
		{command.ConversationDelete, 5000, "CONVERSATION_DELETE", command.AreaConversation},
		{command.ConversationUpdate, 5001, "CONVERSATION_UPDATE", command.AreaConversation},
		{command.ConversationClear, 5002, "CONVERSATION_CLEAR", command.AreaConversation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if uint32(tt.code) != tt.num {
				t.Errorf("value = %d, want %d", tt.code, tt.num)
			}
			if tt.code.String() != tt.name {
				t.Errorf("String() = %q, want %q", tt.code.String(), tt.name)
			}
			if tt.code.Area() != tt.area {
				t.Errorf("Area() = %v, want %v", tt.code.Area(), tt.area)
			}
			if !tt.code.Known() {
				t.Errorf("Known() = false")
			}
		})
	}
}

func TestCode_Unknown(t *testing.T) {
	tests := []struct {
		code command.Code
		area command.Area
	}{{0, command.AreaUnknown}, {1999, command.AreaMessage}, {7000, command.AreaUnknown}, {9001000, command.AreaUnknown}}
	for _, tt := range tests {
		if tt.code.Known() {
			t.Errorf("%d: Known() = true", tt.code)
		}
		if tt.code.Area() != tt.area {
			t.Errorf("%d: Area() = %v, want %v", tt.code, tt.code.Area(), tt.area)
		}
		if tt.code.Uplink() {
			t.Errorf("%d: Uplink() = true", tt.code)
		}
	}
}

func TestCode_Routed(t *testing.T) {
	routed := map[command.Code]bool{
		command.MessageP2P: true, command.GroupMessage: true, command.MessageReceiveAck: true,
		command.MessageRead: true, command.GroupRead: true, command.MessageRecall: true,
		command.MessageEdit: true, command.MessageTyping: true,
	}
	for _, c := range command.All() {
		if c.Routed() != routed[c] {
			t.Errorf("%v: Routed() = %v, want %v", c, c.Routed(), routed[c])
		}
	}
}

func TestAll_Sorted(t *testing.T) {
	all := command.All()
	for i := 1; i < len(all); i++ {
		if all[i] <= all[i-1] {
			t.Fatalf("All() not ascending at %d: %v", i, all[i-1:i+1])
		}
	}
}
