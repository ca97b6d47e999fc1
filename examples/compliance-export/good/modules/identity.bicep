// The workflow's user-assigned identity. It lives independently of the workflow, so rebuilding the
// workflow keeps the same principal and its grants.

@description('Name of the user-assigned identity.')
param name string

@description('Location of the identity.')
param location string

resource uami 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
}

output resourceId string = uami.id
output principalId string = uami.properties.principalId
output clientId string = uami.properties.clientId
