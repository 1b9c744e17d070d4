package mariadb

import (
	"context"
	"fmt"

	"gorm.io/gorm/clause"

	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-domain/internal/push"
)

var _ push.Store = (*DB)(nil)

type pushTokenRow struct {
	AppID      uint32 `gorm:"primaryKey"`
	UserID     string `gorm:"primaryKey"`
	ClientType uint8  `gorm:"primaryKey"`
	IMEI       string `gorm:"primaryKey;column:imei"`
	Provider   string
	Token      string
	UpdatedAt  int64 `gorm:"autoUpdateTime:false"`
}

func (pushTokenRow) TableName() string { return "push_tokens" }

// SavePushToken implements push.Store: one token per device, replaced.
func (d *DB) SavePushToken(ctx context.Context, appID uint32, t push.Token) error {
	r := pushTokenRow{AppID: appID, UserID: t.UserID, ClientType: uint8(t.ClientType), IMEI: t.IMEI,
		Provider: t.Provider, Token: t.Token, UpdatedAt: t.Updated}
	err := d.Gorm.WithContext(ctx).Clauses(clause.OnConflict{DoUpdates: clause.AssignmentColumns([]string{"provider", "token", "updated_at"})}).
		Create(&r).Error
	if err != nil {
		return fmt.Errorf("mariadb: save push token: %w", err)
	}
	return nil
}

// DeletePushToken implements push.Store.
func (d *DB) DeletePushToken(ctx context.Context, appID uint32, userID string, clientType device.Type, imei string) error {
	err := d.Gorm.WithContext(ctx).Where("app_id = ? AND user_id = ? AND client_type = ? AND imei = ?", appID, userID, uint8(clientType), imei).
		Delete(&pushTokenRow{}).Error
	if err != nil {
		return fmt.Errorf("mariadb: delete push token: %w", err)
	}
	return nil
}

// DeletePushTokenValue implements push.Store: every device row holding
// token (a provider reported it unregistered).
func (d *DB) DeletePushTokenValue(ctx context.Context, appID uint32, provider, token string) error {
	err := d.Gorm.WithContext(ctx).Where("app_id = ? AND provider = ? AND token = ?", appID, provider, token).Delete(&pushTokenRow{}).Error
	if err != nil {
		return fmt.Errorf("mariadb: delete push token: %w", err)
	}
	return nil
}

// PushTokens implements push.Store.
func (d *DB) PushTokens(ctx context.Context, appID uint32, userID string) ([]push.Token, error) {
	var rows []pushTokenRow
	err := d.Gorm.WithContext(ctx).Where("app_id = ? AND user_id = ?", appID, userID).Order("client_type, imei").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("mariadb: push tokens: %w", err)
	}
	out := make([]push.Token, len(rows))
	for i, r := range rows {
		out[i] = push.Token{UserID: r.UserID, ClientType: device.Type(r.ClientType), IMEI: r.IMEI, Provider: r.Provider,
			Token: r.Token, Updated: r.UpdatedAt}
	}
	return out, nil
}
