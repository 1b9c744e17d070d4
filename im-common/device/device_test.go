package device_test

import (
	"testing"

	"github.com/whaleim/whaleim/im-common/device"
)

func TestPolicy_Displaced(t *testing.T) {
	tests := []struct {
		name    string
		policy  device.Policy
		old, nu device.Type
		oldIMEI string
		newIMEI string
		want    bool
	}{
		{"one: same device reconnects", device.PolicyOneDevice, device.IOS, device.IOS, "a", "a", false},
		{"one: other phone kicks", device.PolicyOneDevice, device.IOS, device.Android, "a", "b", true},
		{"one: web kicks phone", device.PolicyOneDevice, device.IOS, device.Web, "a", "b", true},
		{"one: same type other imei", device.PolicyOneDevice, device.IOS, device.IOS, "a", "b", true},
		{"plusweb: web keeps phone", device.PolicyOnePlusWeb, device.IOS, device.Web, "a", "b", false},
		{"plusweb: desktop kicks phone", device.PolicyOnePlusWeb, device.IOS, device.Mac, "a", "b", true},
		{"plusweb: web kicks web", device.PolicyOnePlusWeb, device.Web, device.Web, "a", "b", true},
		{"mobdesk: mac keeps phone", device.PolicyMobileDesktop, device.Android, device.Mac, "a", "b", false},
		{"mobdesk: ios kicks android", device.PolicyMobileDesktop, device.Android, device.IOS, "a", "b", true},
		{"mobdesk: windows kicks mac", device.PolicyMobileDesktop, device.Mac, device.Windows, "a", "b", true},
		{"mobdesk: web keeps desktop", device.PolicyMobileDesktop, device.Mac, device.Web, "a", "b", false},
		{"unlimited: never", device.PolicyUnlimited, device.IOS, device.IOS, "a", "b", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.policy.Displaced(tt.old, tt.oldIMEI, tt.nu, tt.newIMEI); got != tt.want {
				t.Errorf("Displaced = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestType_StringAndValid(t *testing.T) {
	if device.Android.String() != "android" || !device.Android.Valid() {
		t.Errorf("android: %q %v", device.Android.String(), device.Android.Valid())
	}
	if device.Type(9).Valid() || device.Type(9).String() != "type(9)" {
		t.Errorf("type 9: %q", device.Type(9).String())
	}
}

func TestID_Field(t *testing.T) {
	id := device.ID{AppID: 10000, UserID: "u1", Type: device.Android, IMEI: "x-1"}
	if got := id.Field(); got != "3:x-1" {
		t.Errorf("Field() = %q", got)
	}
}
