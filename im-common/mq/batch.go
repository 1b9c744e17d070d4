package mq

import (
	"encoding/json"
	"errors"
	"fmt"
)

// Batches: every flow carries batches, not single events, so one broker
// message (one persist, one confirm, one delivery) moves many chat messages.
// Producers write them in the binary format of wire.go; the JSON shapes
// below are what older nodes published.
// A batch keeps the order in which its producer saw the events; consumers
// process it in that order per conversation. Consumers also accept a single
// envelope (the shape before batching) through the Decode functions, so a
// queue holding messages published by an older node drains without loss.

// UplinkBatch is what the gateway publishes to one uplink shard: the uplinks
// of that shard it read within a short linger, in read order.
type UplinkBatch struct {
	Version int      `json:"v"`
	Uplinks []Uplink `json:"uplinks"`
}

// PushBatch is what the domain publishes to one gateway per processed batch:
// every push (up-ACKs, deliveries, relays) for devices on that gateway, in
// the order the gateway must write them.
type PushBatch struct {
	Version int    `json:"v"`
	Pushes  []Push `json:"pushes"`
}

// StoreBatch is what the domain publishes to the store per processed batch.
// Its confirm is the durability point of every record in it.
type StoreBatch struct {
	Version int           `json:"v"`
	Records []StoreRecord `json:"records"`
}

// DecodeUplinks decodes an uplink queue message: a binary batch
// (AppendUplinks), a JSON UplinkBatch or a single JSON Uplink. The
// payloads of a binary batch alias body, which must not change after.
func DecodeUplinks(body []byte) ([]Uplink, error) {
	if isBinary(body) {
		return decodeBinary(body, kindUplinks, minUplinkItem, readUplink)
	}
	return decode(body, func(b *UplinkBatch) (int, []Uplink) { return b.Version, b.Uplinks })
}

// DecodePushes decodes a downlink queue message: a binary batch
// (AppendPushes), a JSON PushBatch or a single JSON Push. The data of a
// binary batch aliases body, which must not change after.
func DecodePushes(body []byte) ([]Push, error) {
	if isBinary(body) {
		return decodeBinary(body, kindPushes, minPushItem, readPush)
	}
	return decode(body, func(b *PushBatch) (int, []Push) { return b.Version, b.Pushes })
}

// DecodeStoreRecords decodes a store queue message: a binary batch
// (AppendStoreRecords), a JSON StoreBatch or a single JSON StoreRecord.
func DecodeStoreRecords(body []byte) ([]StoreRecord, error) {
	if isBinary(body) {
		return decodeBinary(body, kindRecords, minRecordItem, readRecord)
	}
	return decode(body, func(b *StoreBatch) (int, []StoreRecord) { return b.Version, b.Records })
}

// ErrVersion is returned for an envelope of a version this build does not know.
var ErrVersion = errors.New("mq: unknown envelope version")

// decode parses body as a batch; without the list field it is a single
// envelope, whose version field is the same "v" the batch just read.
func decode[B any, E any](body []byte, fields func(*B) (int, []E)) ([]E, error) {
	var b B
	if err := json.Unmarshal(body, &b); err != nil {
		return nil, fmt.Errorf("mq: decode: %w", err)
	}
	v, items := fields(&b)
	if v != Version {
		return nil, fmt.Errorf("%w %d", ErrVersion, v)
	}
	if items != nil {
		return items, nil
	}
	var one E
	if err := json.Unmarshal(body, &one); err != nil {
		return nil, fmt.Errorf("mq: decode: %w", err)
	}
	return []E{one}, nil
}
