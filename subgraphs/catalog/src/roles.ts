/**
 * The roles this service grants more than ownership to (accounts' Role enum; the gateway's
 * identity configuration maps tokens onto them): staff may read and act on anyone's data.
 */
export const STAFF_ROLES = ["STAFF", "ADMIN"] as const;
export const ADMIN_ROLES = ["ADMIN"] as const;
