package mariadb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-domain/internal/app"
)

var _ app.Store = (*DB)(nil)

type appRow struct {
	AppID                uint32 `gorm:"primaryKey"`
	Secret               string
	PrevSecret           string
	PrevSecretUntil      int64
	ConfiguredSecretSha  string
	Admins               string
	MultiDevicePolicy    uint8
	FriendCheckOnSend    bool
	BlacklistCheckOnSend bool
	CallbackURL          string `gorm:"column:callback_url"`
	Callbacks            string
	CallbackFailOpen     bool
	CallbackTimeoutMs    int64
	RecallWindowSec      int64
	EditWindowSec        int64
	MaxGroupSize         int
	RouteStrategy        uint8
	CreatedAt            int64 `gorm:"autoCreateTime:false"`
	UpdatedAt            int64 `gorm:"autoUpdateTime:false"`
}

func (appRow) TableName() string { return "apps" }

// App implements app.Store.
func (d *DB) App(ctx context.Context, id uint32) (*app.App, error) {
	var r appRow
	err := d.Gorm.WithContext(ctx).Where("app_id = ?", id).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, app.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("mariadb: app %d: %w", id, err)
	}
	return r.app()
}

// Apps implements app.Store.
func (d *DB) Apps(ctx context.Context) ([]*app.App, error) {
	var rows []appRow
	if err := d.Gorm.WithContext(ctx).Order("app_id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("mariadb: apps: %w", err)
	}
	out := make([]*app.App, 0, len(rows))
	for _, r := range rows {
		a, err := r.app()
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// ModifyApp implements app.Store: the row is locked FOR UPDATE while fn
// changes it, so two admins changing different settings at once on two
// nodes both keep their change.
func (d *DB) ModifyApp(ctx context.Context, id uint32, fn func(*app.App) error) (*app.App, error) {
	var a *app.App
	err := d.Tx(ctx, func(tx *gorm.DB) error {
		var r appRow
		err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("app_id = ?", id).Take(&r).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return app.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("mariadb: app %d: %w", id, err)
		}
		if a, err = r.app(); err != nil {
			return err
		}
		if err := fn(a); err != nil {
			return err
		}
		return saveApp(tx, a)
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// SaveApp implements app.Store (insert or replace; created_at is kept).
func (d *DB) SaveApp(ctx context.Context, a *app.App) error {
	return saveApp(d.Gorm.WithContext(ctx), a)
}

func saveApp(db *gorm.DB, a *app.App) error {
	r, err := toAppRow(a, time.Now())
	if err != nil {
		return err
	}
	update := clause.AssignmentColumns([]string{"secret", "prev_secret", "prev_secret_until", "configured_secret_sha", "admins", "multi_device_policy", "friend_check_on_send",
		"blacklist_check_on_send", "callback_url", "callbacks", "callback_fail_open", "callback_timeout_ms",
		"recall_window_sec", "edit_window_sec", "max_group_size", "route_strategy", "updated_at"})
	err = db.Clauses(clause.OnConflict{DoUpdates: update}).Create(&r).Error
	if err != nil {
		return fmt.Errorf("mariadb: save app %d: %w", a.ID, err)
	}
	return nil
}

func toAppRow(a *app.App, now time.Time) (appRow, error) {
	admins, err := json.Marshal(a.Admins)
	if err != nil {
		return appRow{}, fmt.Errorf("mariadb: app admins: %w", err)
	}
	callbacks, err := json.Marshal(nonNil(a.Settings.Callbacks))
	if err != nil {
		return appRow{}, fmt.Errorf("mariadb: app callbacks: %w", err)
	}
	s := a.Settings
	return appRow{
		AppID: a.ID, Secret: a.Secret, PrevSecret: a.Previous, PrevSecretUntil: unixMilli(a.PreviousUntil),
		ConfiguredSecretSha: a.ConfiguredHash, Admins: string(admins), MultiDevicePolicy: uint8(s.Policy),
		FriendCheckOnSend: s.FriendCheckOnSend, BlacklistCheckOnSend: s.BlacklistCheckOnSend,
		CallbackURL: s.CallbackURL, Callbacks: string(callbacks), CallbackFailOpen: s.CallbackFailOpen,
		CallbackTimeoutMs: s.CallbackTimeout.Milliseconds(), RecallWindowSec: int64(s.RecallWindow / time.Second),
		EditWindowSec: int64(s.EditWindow / time.Second),
		MaxGroupSize:  s.MaxGroupSize, RouteStrategy: uint8(s.Route),
		CreatedAt: now.UnixMilli(), UpdatedAt: now.UnixMilli(),
	}, nil
}

func (r appRow) app() (*app.App, error) {
	a := &app.App{ID: r.AppID, Secret: r.Secret, Previous: r.PrevSecret, ConfiguredHash: r.ConfiguredSecretSha, Created: time.UnixMilli(r.CreatedAt), Updated: time.UnixMilli(r.UpdatedAt)}
	if err := json.Unmarshal([]byte(r.Admins), &a.Admins); err != nil {
		return nil, fmt.Errorf("mariadb: app %d admins: %w", r.AppID, err)
	}
	if err := json.Unmarshal([]byte(r.Callbacks), &a.Settings.Callbacks); err != nil {
		return nil, fmt.Errorf("mariadb: app %d callbacks: %w", r.AppID, err)
	}
	if r.PrevSecretUntil > 0 {
		a.PreviousUntil = time.UnixMilli(r.PrevSecretUntil)
	}
	a.Settings.Policy = device.Policy(r.MultiDevicePolicy)
	a.Settings.FriendCheckOnSend, a.Settings.BlacklistCheckOnSend = r.FriendCheckOnSend, r.BlacklistCheckOnSend
	a.Settings.CallbackURL, a.Settings.CallbackFailOpen = r.CallbackURL, r.CallbackFailOpen
	a.Settings.CallbackTimeout = time.Duration(r.CallbackTimeoutMs) * time.Millisecond
	a.Settings.RecallWindow = time.Duration(r.RecallWindowSec) * time.Second
	a.Settings.EditWindow = time.Duration(r.EditWindowSec) * time.Second
	a.Settings.MaxGroupSize, a.Settings.Route = r.MaxGroupSize, app.RouteStrategy(r.RouteStrategy)
	return a, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// unixMilli is t in unix milliseconds, 0 for the zero time.
func unixMilli(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}
