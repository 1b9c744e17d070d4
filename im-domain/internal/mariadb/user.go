package mariadb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-domain/internal/user"
)

var _ user.Store = (*DB)(nil)

type userRow struct {
	AppID           uint32 `gorm:"primaryKey"`
	UserID          string `gorm:"primaryKey"`
	NickName        string
	Photo           string
	UserSex         int
	BirthDay        string
	Location        string
	SelfSignature   string
	FriendAllowType int
	ForbiddenFlag   int
	SilentFlag      int
	UserType        int
	DelFlag         int
	Extra           string
	CreatedAt       int64 `gorm:"autoCreateTime:false"`
	UpdatedAt       int64 `gorm:"autoUpdateTime:false"`
}

func (userRow) TableName() string { return "users" }

func toUserRow(appID uint32, u user.User, now int64) userRow {
	return userRow{AppID: appID, UserID: u.ID, NickName: u.NickName, Photo: u.Photo, UserSex: u.Sex,
		BirthDay: u.BirthDay, Location: u.Location, SelfSignature: u.SelfSignature,
		FriendAllowType: u.FriendAllowType, ForbiddenFlag: u.Forbidden, SilentFlag: u.Silent,
		UserType: u.Type, Extra: u.Extra, CreatedAt: now, UpdatedAt: now}
}

func (r userRow) user() user.User {
	return user.User{ID: r.UserID, NickName: r.NickName, Photo: r.Photo, Sex: r.UserSex,
		BirthDay: r.BirthDay, Location: r.Location, SelfSignature: r.SelfSignature,
		FriendAllowType: r.FriendAllowType, Forbidden: r.ForbiddenFlag, Silent: r.SilentFlag,
		Type: r.UserType, Extra: r.Extra}
}

// UpsertUsers implements user.Store: one transaction for the batch; an
// existing row (even soft-deleted) is replaced and revived.
func (d *DB) UpsertUsers(ctx context.Context, appID uint32, users []user.User) error {
	now := time.Now().UnixMilli()
	rows := make([]userRow, len(users))
	for i, u := range users {
		rows[i] = toUserRow(appID, u, now)
	}
	update := clause.AssignmentColumns([]string{"nick_name", "photo", "user_sex", "birth_day", "location",
		"self_signature", "friend_allow_type", "forbidden_flag", "silent_flag", "user_type", "del_flag", "extra", "updated_at"})
	err := d.Tx(ctx, func(tx *gorm.DB) error {
		return tx.Clauses(clause.OnConflict{DoUpdates: update}).Create(&rows).Error
	})
	if err != nil {
		return fmt.Errorf("mariadb: import users: %w", err)
	}
	return nil
}

// Users implements user.Store.
func (d *DB) Users(ctx context.Context, appID uint32, ids []string) ([]user.User, error) {
	var rows []userRow
	err := d.Gorm.WithContext(ctx).Where("app_id = ? AND user_id IN ? AND del_flag = 0", appID, ids).
		Order("user_id").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("mariadb: users: %w", err)
	}
	out := make([]user.User, len(rows))
	for i, r := range rows {
		out[i] = r.user()
	}
	return out, nil
}

// UpdateUser implements user.Store with a locking read.
func (d *DB) UpdateUser(ctx context.Context, appID uint32, id string, fn func(*user.User) error) (user.User, error) {
	var out user.User
	err := d.Tx(ctx, func(tx *gorm.DB) error {
		var r userRow
		err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).
			Where("app_id = ? AND user_id = ? AND del_flag = 0", appID, id).Take(&r).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return errcode.UserNotFound.With(id)
		}
		if err != nil {
			return fmt.Errorf("mariadb: load user: %w", err)
		}
		u := r.user()
		if err := fn(&u); err != nil {
			return err
		}
		nr := toUserRow(appID, u, time.Now().UnixMilli())
		nr.CreatedAt = r.CreatedAt
		if err := tx.Save(&nr).Error; err != nil {
			return fmt.Errorf("mariadb: save user: %w", err)
		}
		out = u
		return nil
	})
	return out, err
}

// DeleteUsers implements user.Store.
func (d *DB) DeleteUsers(ctx context.Context, appID uint32, ids []string) ([]string, error) {
	var deleted []string
	err := d.Tx(ctx, func(tx *gorm.DB) error {
		err := tx.Model(&userRow{}).Clauses(clause.Locking{Strength: "UPDATE"}).
			Where("app_id = ? AND user_id IN ? AND del_flag = 0", appID, ids).Pluck("user_id", &deleted).Error
		if err != nil || len(deleted) == 0 {
			return err
		}
		return tx.Model(&userRow{}).Where("app_id = ? AND user_id IN ?", appID, deleted).
			Updates(map[string]any{"del_flag": 1, "updated_at": time.Now().UnixMilli()}).Error
	})
	if err != nil {
		return nil, fmt.Errorf("mariadb: delete users: %w", err)
	}
	return deleted, nil
}
