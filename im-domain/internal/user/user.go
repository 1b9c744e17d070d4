// Package user is the user feature: import, get, modify, delete, online
// status and per-user sync sequences. Users have no password: the IM never
// authenticates a user by password (the app back-end issues user signs),
// which removes WhaleShark's plaintext passwords and the password it pushed
// in 4000 USER_MODIFY notifications.
package user

import (
	"unicode/utf8"

	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/ident"
)

// MaxBatch bounds every batch request (import, get, delete, online status),
// as WhaleShark's 100.
const MaxBatch = 100

// Friend allow types.
const (
	AllowAny          = 1 // anyone may add without verification
	AllowVerification = 2 // friend requests need approval
)

// User is a user's profile. JSON names follow WhaleShark's im_user_data.
type User struct {
	ID              string `json:"userId"`
	NickName        string `json:"nickName"`
	Photo           string `json:"photo"`
	Sex             int    `json:"userSex"`
	BirthDay        string `json:"birthDay"`
	Location        string `json:"location"`
	SelfSignature   string `json:"selfSignature"`
	FriendAllowType int    `json:"friendAllowType"`
	Forbidden       int    `json:"forbiddenFlag"` // 1: may not log in or send
	Silent          int    `json:"silentFlag"`    // 1: muted
	Type            int    `json:"userType"`      // 1 normal, 100 app admin
	Extra           string `json:"extra"`
}

// Validate checks one user's fields against the schema's limits.
func (u *User) Validate() error {
	if err := ValidID(u.ID); err != nil {
		return err
	}
	if u.FriendAllowType == 0 {
		u.FriendAllowType = AllowAny
	}
	if u.Type == 0 {
		u.Type = 1
	}
	return validProfile(u)
}

// ValidID reports whether id can be a user id: the one id alphabet,
// ident.ValidID.
func ValidID(id string) error { return ident.Check("userId", id) }

func validProfile(u *User) error {
	limits := []struct {
		name string
		v    string
		max  int
	}{{"nickName", u.NickName, 128}, {"photo", u.Photo, 1024}, {"birthDay", u.BirthDay, 32},
		{"location", u.Location, 255}, {"selfSignature", u.SelfSignature, 512}, {"extra", u.Extra, 16384}}
	for _, l := range limits {
		if utf8.RuneCountInString(l.v) > l.max {
			return errcode.MissingField.With(l.name + " too long")
		}
	}
	switch {
	case u.FriendAllowType != AllowAny && u.FriendAllowType != AllowVerification:
		return errcode.MissingField.With("friendAllowType: 1 or 2")
	case u.Forbidden != 0 && u.Forbidden != 1, u.Silent != 0 && u.Silent != 1:
		return errcode.MissingField.With("forbiddenFlag/silentFlag: 0 or 1")
	case u.Sex < 0 || u.Sex > 2:
		return errcode.MissingField.With("userSex: 0, 1 or 2")
	case u.Type != 1 && u.Type != 100:
		return errcode.MissingField.With("userType: 1 or 100")
	}
	return nil
}

// Patch is a partial profile update: nil fields stay unchanged.
type Patch struct {
	NickName        *string `json:"nickName"`
	Photo           *string `json:"photo"`
	Sex             *int    `json:"userSex"`
	BirthDay        *string `json:"birthDay"`
	Location        *string `json:"location"`
	SelfSignature   *string `json:"selfSignature"`
	FriendAllowType *int    `json:"friendAllowType"`
	Extra           *string `json:"extra"`
	// Admin-only fields.
	Forbidden *int `json:"forbiddenFlag"`
	Silent    *int `json:"silentFlag"`
}

// AdminOnly reports whether p changes fields only an app admin may change.
func (p Patch) AdminOnly() bool { return p.Forbidden != nil || p.Silent != nil }

// Apply copies the set fields of p onto u and validates the result.
func (p Patch) Apply(u *User) error {
	set(&u.NickName, p.NickName)
	set(&u.Photo, p.Photo)
	set(&u.Sex, p.Sex)
	set(&u.BirthDay, p.BirthDay)
	set(&u.Location, p.Location)
	set(&u.SelfSignature, p.SelfSignature)
	set(&u.FriendAllowType, p.FriendAllowType)
	set(&u.Extra, p.Extra)
	set(&u.Forbidden, p.Forbidden)
	set(&u.Silent, p.Silent)
	return validProfile(u)
}

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}
