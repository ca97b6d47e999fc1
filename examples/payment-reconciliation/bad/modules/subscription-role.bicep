// Grants a role to a principal on the whole subscription.
targetScope = 'subscription'

@description('Object id of the principal that receives the role.')
param principalId string

@description('GUID of the role definition.')
param roleDefinitionId string

resource ra 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(subscription().id, principalId, roleDefinitionId)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleDefinitionId)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}
