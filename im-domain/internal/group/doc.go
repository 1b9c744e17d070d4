// Package group is the group feature: create, info, members with roles
// (owner, manager, member), update, destroy, transfer, mute (whole group or
// one member until a time), add/remove members, join by the group's join
// type (free, approval with a request list, forbidden), quit, the joined
// groups list and its incremental sync, and the cached membership check the
// message core runs on every group send (SendCheck, Members, MemberSince).
//
// Who may do what is one pure function, Check (permission.go), pinned by a
// single table test. Every change goes through Store.EditGroup: the store
// locks the group, hands the service the whole State (group, member rows,
// pending join requests), and saves what the service says changed, with
// one sync sequence for the change, so the decision and the write cannot
// race.
//
// Fixed WhaleShark bugs (each has a regression test named after it):
// update's inverted destroyed check, addMember always rejecting public
// groups and never checking the operator in private ones, removeMember and
// destroyGroup without permission checks in private groups, member
// update/delete events sent N times to the affected member instead of once
// to every member, and transfer/mute sending no notification.
package group
